from django.urls import path
from django.utils.translation import gettext_lazy as _

from tilgang.applications import views
from tilgang.core.navigation import has_any_role, register_nav, signed_in
from tilgang.core.permissions import PUBLIC, SIGNED_IN, only, register
from tilgang.core.roles import Role

app_name = "applications"

urlpatterns = [
    path("", views.index, name="index"),
    path("ny/", views.create, name="create"),
    path("saksbehandling/", views.staff_queues, name="queues"),
    path("prosjektregister/", views.register_html, name="register"),
    path("prosjektregister.csv", views.register_csv, name="register_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/steg/<str:step>/", views.step, name="step"),
    path("<int:pk>/sammendrag/", views.summary, name="summary"),
    path("<int:pk>/medlemmer/", views.member_add, name="member_add"),
    path("<int:pk>/medlemmer/<int:member_id>/fjern/", views.member_remove, name="member_remove"),
    path("<int:pk>/variabler/", views.variables, name="variables"),
    path("<int:pk>/vedlegg/", views.attachment_add, name="attachment_add"),
    path("<int:pk>/vedlegg/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("<int:pk>/vedlegg/<int:attachment_id>/fjern/", views.attachment_remove, name="attachment_remove"),
    path("<int:pk>/vedtak/<int:decision_id>/", views.decision_letter, name="decision_letter"),
    path("<int:pk>/kommando/<str:command>/", views.command, name="command"),
]

CASE_STAFF = only(Role.LEGAL_REVIEWER, Role.CASE_OFFICER, Role.HEAD_OF_SECTION)

register(
    {
        # Object-level rules (my application, my role on the case) are checked in the selectors and services.
        "applications:index": SIGNED_IN,
        "applications:create": SIGNED_IN,
        "applications:queues": CASE_STAFF,
        "applications:register": PUBLIC,  # DOMAIN R-CASE-9: the list of active projects is public
        "applications:register_csv": PUBLIC,
        "applications:detail": SIGNED_IN,
        "applications:step": SIGNED_IN,
        "applications:summary": SIGNED_IN,
        "applications:member_add": SIGNED_IN,
        "applications:member_remove": SIGNED_IN,
        "applications:variables": SIGNED_IN,
        "applications:attachment_add": SIGNED_IN,
        "applications:attachment_download": SIGNED_IN,
        "applications:attachment_remove": SIGNED_IN,
        "applications:decision_letter": SIGNED_IN,
        "applications:command": SIGNED_IN,
    }
)

register_nav("applications:index", _("Applications"), signed_in, order=20)
register_nav(
    "applications:queues",
    _("Case handling"),
    has_any_role(Role.LEGAL_REVIEWER, Role.CASE_OFFICER, Role.HEAD_OF_SECTION),
    order=25,
)
register_nav("applications:register", _("Project register"), lambda user: True, order=85)
