from django.urls import path
from django.utils.translation import gettext_lazy as _

from tilgang.core.navigation import has_any_role, register_nav, staff
from tilgang.core.permissions import PUBLIC, STAFF, only, register
from tilgang.core.roles import Role
from tilgang.inquiries import views

app_name = "inquiries"

urlpatterns = [
    # Public: questions, the journal, innsyn.
    path("", views.ask, name="ask"),
    path("takk/", views.thanks, name="thanks"),
    path("journal/", views.journal, name="journal"),
    path("journal/ny/", views.journal_record, name="journal_record"),
    path("journal/<int:entry_id>/innsyn/", views.innsyn_new, name="innsyn_new"),
    path("innsyn/takk/", views.innsyn_thanks, name="innsyn_thanks"),
    path("innsyn/dokument/<str:token>/", views.innsyn_download, name="innsyn_download"),
    path("innsyn/klage/<str:token>/", views.innsyn_appeal, name="innsyn_appeal"),
    # Staff: the inquiry queue.
    path("ko/", views.queue, name="queue"),
    path("telefon/", views.phone_inquiry_new, name="phone_inquiry_new"),
    path("ko/<str:reference>/", views.inquiry_detail, name="inquiry"),
    path("ko/<str:reference>/svar/", views.inquiry_answer, name="inquiry_answer"),
    path("ko/<str:reference>/svar-telefon/", views.inquiry_answer_phone, name="inquiry_answer_phone"),
    path("ko/<str:reference>/sprak/", views.inquiry_language, name="inquiry_language"),
    path("ko/<str:reference>/videresend/", views.inquiry_forward, name="inquiry_forward"),
    path("ko/<str:reference>/inviter/", views.inquiry_invite, name="inquiry_invite"),
    path("ko/<str:reference>/lukk/", views.inquiry_close, name="inquiry_close"),
    path("vedlegg/<int:attachment_id>/", views.attachment, name="attachment"),
    path("avviste/", views.rejections, name="rejections"),
    path("avviste/<int:rejection_id>/slepp/", views.rejection_release, name="rejection_release"),
    path("tal/", views.figures, name="figures"),
    path("tal/csv/", views.figures_csv, name="figures_csv"),
    path("seksjonar/", views.sections, name="sections"),
    # Staff: standard answers.
    path("standardsvar/", views.standard_answers, name="standard_answers"),
    path("standardsvar/ny/", views.standard_answer_new, name="standard_answer_new"),
    path("standardsvar/<slug:key>/endre/", views.standard_answer_edit, name="standard_answer_edit"),
    path(
        "standardsvar/<slug:key>/trekk-tilbake/", views.standard_answer_retire, name="standard_answer_retire"
    ),
    path(
        "standardsvar/<slug:key>/ta-i-bruk/",
        views.standard_answer_reactivate,
        name="standard_answer_reactivate",
    ),
    # Staff: innsyn.
    path("innsyn/", views.innsyn_queue, name="innsyn_queue"),
    path("innsyn/<str:reference>/", views.innsyn_detail, name="innsyn_detail"),
    path("innsyn/<str:reference>/innvilg/", views.innsyn_grant, name="innsyn_grant"),
    path("innsyn/<str:reference>/avsla/", views.innsyn_refuse, name="innsyn_refuse"),
    # Staff: respondents.
    path("undersokingar/", views.surveys, name="surveys"),
    path("undersokingar/<int:survey_id>/", views.survey_detail, name="survey"),
    path("undersokingar/<int:survey_id>/brev/", views.survey_letters, name="survey_letters"),
    path("undersokingar/<int:survey_id>/purring/", views.survey_reminders, name="survey_reminders"),
    path(
        "respondentar/<int:respondent_id>/rapportert/", views.respondent_reported, name="respondent_reported"
    ),
    path("respondentar/<int:respondent_id>/tvangsmulkt/", views.fine_prepare, name="fine_prepare"),
    path("tvangsmulkt/<int:fine_id>/send/", views.fine_send, name="fine_send"),
]

INFO = only(Role.INFORMATION_SERVICE)
MANAGEMENT = only(Role.INFORMATION_SERVICE, Role.HEAD_OF_SECTION, Role.ADMINISTRATOR)
STANDARD_ANSWERS = only(Role.INFORMATION_SERVICE, Role.ADMINISTRATOR)

register(
    {
        "inquiries:ask": PUBLIC,
        "inquiries:thanks": PUBLIC,
        "inquiries:journal": PUBLIC,
        "inquiries:journal_record": INFO,
        "inquiries:innsyn_new": PUBLIC,
        "inquiries:innsyn_thanks": PUBLIC,
        "inquiries:innsyn_download": PUBLIC,  # guarded by the e-mailed token
        "inquiries:innsyn_appeal": PUBLIC,  # guarded by the e-mailed token
        # Any staff member may belong to a section; which inquiries they see is decided per object.
        "inquiries:queue": STAFF,
        "inquiries:inquiry": STAFF,
        "inquiries:inquiry_answer": STAFF,
        "inquiries:inquiry_answer_phone": STAFF,
        "inquiries:phone_inquiry_new": INFO,
        "inquiries:inquiry_language": STAFF,
        "inquiries:inquiry_forward": INFO,
        "inquiries:inquiry_invite": STAFF,
        "inquiries:inquiry_close": STAFF,
        "inquiries:attachment": STAFF,
        "inquiries:rejections": INFO,
        "inquiries:rejection_release": INFO,
        "inquiries:figures": MANAGEMENT,
        "inquiries:figures_csv": MANAGEMENT,
        "inquiries:sections": INFO,
        "inquiries:standard_answers": STANDARD_ANSWERS,
        "inquiries:standard_answer_new": STANDARD_ANSWERS,
        "inquiries:standard_answer_edit": STANDARD_ANSWERS,
        "inquiries:standard_answer_retire": STANDARD_ANSWERS,
        "inquiries:standard_answer_reactivate": STANDARD_ANSWERS,
        "inquiries:innsyn_queue": INFO,
        "inquiries:innsyn_detail": INFO,
        "inquiries:innsyn_grant": INFO,
        "inquiries:innsyn_refuse": INFO,
        "inquiries:surveys": INFO,
        "inquiries:survey": INFO,
        "inquiries:survey_letters": INFO,
        "inquiries:survey_reminders": INFO,
        "inquiries:respondent_reported": INFO,
        "inquiries:fine_prepare": INFO,
        "inquiries:fine_send": INFO,
    }
)


def _not_staff(user) -> bool:
    return not (user.is_authenticated and user.is_staff_member)


register_nav("inquiries:ask", _("Contact us"), _not_staff, order=40)
register_nav("inquiries:journal", _("Public journal"), lambda user: True, order=41)
register_nav("inquiries:queue", _("Inquiries"), staff, order=42)
register_nav(
    "inquiries:standard_answers",
    _("Standard answers"),
    has_any_role(Role.INFORMATION_SERVICE, Role.ADMINISTRATOR),
    order=43,
)
