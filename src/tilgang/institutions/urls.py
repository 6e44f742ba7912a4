from django.urls import path
from django.utils.translation import gettext_lazy as _

from tilgang.core.navigation import has_any_role, register_nav
from tilgang.core.permissions import ADMIN, PUBLIC, SIGNED_IN, STAFF, only, register
from tilgang.core.roles import Role
from tilgang.institutions import views
from tilgang.institutions.models import ApprovalRequest

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="list"),
    path("ny/", views.institution_edit, name="create"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("<int:pk>/rediger/", views.institution_edit, name="edit"),
    path("<int:pk>/godkjenninger/ny/", views.approval_add, name="approval_add"),
    path("lister/", views.list_import, name="list_import"),
    path("lister/<int:pk>/", views.list_preview, name="list_preview"),
    path("lister/<int:pk>/bruk/", views.list_apply, name="list_apply"),
    path("lister/<int:pk>/forkast/", views.list_discard, name="list_discard"),
    path("offentlige-organer/", views.public_bodies, name="public_bodies"),
    path("kan-vi-soke/", views.check, name="check"),
    path("godkjenning/", views.request_list, name="request_list"),
    path("godkjenning/ny/", views.request_new, name="request_new"),
    path("godkjenning/<int:pk>/", views.request_detail, name="request_detail"),
    path("godkjenning/<int:pk>/utfyll/", views.request_complete, name="request_complete"),
    path("godkjenning/<int:pk>/vedlegg/", views.request_attach, name="request_attach"),
    path(
        "godkjenning/<int:pk>/vedlegg/<int:attachment_id>/fjern/", views.request_detach, name="request_detach"
    ),
    path("godkjenning/<int:pk>/send/", views.request_submit, name="request_submit"),
    path("godkjenning/<int:pk>/sjekkliste/", views.request_checklist, name="request_checklist"),
    path("godkjenning/<int:pk>/be-om-mer/", views.request_more, name="request_more"),
    path("godkjenning/<int:pk>/godkjenn/", views.request_approve, name="request_approve"),
    path("godkjenning/<int:pk>/avsla/", views.request_refuse, name="request_refuse"),
    path("godkjenning/<int:pk>/brev/", views.letter_download, name="letter"),
    path("godkjenning/vedlegg/<int:pk>/", views.attachment_download, name="attachment"),
    path("mine/", views.mine, name="mine"),
    path("mine/tilknytning/", views.affiliation_add, name="affiliation_add"),
    path("mine/tilknytning/<int:pk>/avslutt/", views.affiliation_end, name="affiliation_end"),
    path("mine/prosjekt/", views.funded_project_add, name="funded_project_add"),
    path("prosjekter/", views.funded_projects, name="funded_projects"),
    path("prosjekter/<int:pk>/kontroller/", views.funded_project_verify, name="funded_project_verify"),
]

ASSESSORS = only(Role.ADMINISTRATOR, Role.LEGAL_REVIEWER)

register(
    {
        "institutions:list": STAFF,
        "institutions:create": ADMIN,
        "institutions:detail": STAFF,
        "institutions:edit": ADMIN,
        "institutions:approval_add": ADMIN,
        "institutions:list_import": ADMIN,
        "institutions:list_preview": ADMIN,
        "institutions:list_apply": ADMIN,
        "institutions:list_discard": ADMIN,
        "institutions:public_bodies": ADMIN,
        "institutions:check": PUBLIC,
        # Signed in: applicants see their own requests, assessors all (selectors; others get 404).
        "institutions:request_list": SIGNED_IN,
        "institutions:request_new": SIGNED_IN,
        "institutions:request_detail": SIGNED_IN,
        "institutions:request_complete": SIGNED_IN,
        # The applicant's own request only (404 for anyone else, assessors included).
        "institutions:request_attach": SIGNED_IN,
        "institutions:request_detach": SIGNED_IN,
        "institutions:request_submit": SIGNED_IN,
        "institutions:request_checklist": ASSESSORS,
        "institutions:request_more": ASSESSORS,
        "institutions:request_approve": ASSESSORS,
        "institutions:request_refuse": ASSESSORS,
        "institutions:letter": SIGNED_IN,
        "institutions:attachment": SIGNED_IN,
        "institutions:mine": SIGNED_IN,
        "institutions:affiliation_add": SIGNED_IN,
        "institutions:affiliation_end": SIGNED_IN,
        "institutions:funded_project_add": SIGNED_IN,
        "institutions:funded_projects": STAFF,
        "institutions:funded_project_verify": ASSESSORS,
    }
)


def _anonymous(user) -> bool:
    return not user.is_authenticated


def _external(user) -> bool:
    return user.is_authenticated and not user.is_staff_member


register_nav("institutions:check", _("May we apply?"), _anonymous, order=20)
_assessor = has_any_role(Role.ADMINISTRATOR, Role.LEGAL_REVIEWER)


def _assessor_or_requester(user) -> bool:
    """Assessors see every request; anyone who has made one reaches their own from the menu too."""
    if _assessor(user):
        return True
    return user.is_authenticated and ApprovalRequest.objects.filter(applicant=user).exists()


# One entry per route (register_nav keeps the first), so both audiences share this visibility test.
register_nav("institutions:request_list", _("Approval requests"), _assessor_or_requester, order=61)
register_nav("institutions:mine", _("My affiliation"), _external, order=85)
