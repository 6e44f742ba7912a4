from django.urls import path
from django.utils.translation import gettext_lazy as _

from tilgang.core.navigation import has_any_role, register_nav, signed_in
from tilgang.core.permissions import ADMIN, SIGNED_IN, only, register
from tilgang.core.roles import Role
from tilgang.offers import views

app_name = "offers"

urlpatterns = [
    path("", views.index, name="index"),
    path("sak/<int:application_id>/", views.case, name="case"),
    path("sak/<int:application_id>/ny/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/endre/", views.update, name="update"),
    path("<int:pk>/linjer/ny/", views.line_add, name="line_add"),
    path("<int:pk>/linjer/<int:line_id>/", views.line_set, name="line_set"),
    path("<int:pk>/linjer/<int:line_id>/fjern/", views.line_remove, name="line_remove"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/forkast/", views.discard, name="discard"),
    path("<int:pk>/aksepter/", views.accept, name="accept"),
    path("<int:pk>/avslaa/", views.decline, name="decline"),
    path("<int:pk>/erklaering/", views.declaration, name="declaration"),
    path("<int:pk>/signer/", views.sign, name="sign"),
    path("<int:pk>/last-opp/", views.upload, name="upload"),
    path("<int:pk>/tilbud.pdf", views.document, name="document"),
    path("<int:pk>/avtale.pdf", views.agreement, name="agreement"),
    path("<int:pk>/signert/<int:signature_id>.pdf", views.signed_upload, name="signed_upload"),
    path("tariff/", views.tariffs, name="tariffs"),
    path("tariff/<int:pk>/", views.tariff_edit, name="tariff_edit"),
    path("fakturagrunnlag/", views.invoices, name="invoices"),
    path("fakturagrunnlag/eksport.csv", views.invoices_csv, name="invoices_csv"),
    path("fakturagrunnlag/<int:pk>.csv", views.invoice_csv, name="invoice_csv"),
    path("fakturagrunnlag/<int:pk>.xml", views.invoice_xml, name="invoice_xml"),
]

CASE_STAFF = only(Role.CASE_OFFICER, Role.HEAD_OF_SECTION)
FINANCE = only(Role.CASE_OFFICER, Role.HEAD_OF_SECTION, Role.ADMINISTRATOR)

register(
    {
        # Object-level rules (my case, my role on it, drafts for staff only) are in the selectors and services.
        "offers:index": SIGNED_IN,
        "offers:case": SIGNED_IN,
        "offers:create": CASE_STAFF,
        "offers:detail": SIGNED_IN,
        "offers:update": CASE_STAFF,
        "offers:line_add": CASE_STAFF,
        "offers:line_set": CASE_STAFF,
        "offers:line_remove": CASE_STAFF,
        "offers:send": CASE_STAFF,
        "offers:discard": CASE_STAFF,
        "offers:accept": SIGNED_IN,
        "offers:decline": SIGNED_IN,
        "offers:declaration": SIGNED_IN,
        "offers:sign": SIGNED_IN,
        "offers:upload": SIGNED_IN,
        "offers:document": SIGNED_IN,
        "offers:agreement": SIGNED_IN,
        "offers:signed_upload": CASE_STAFF,
        "offers:tariffs": ADMIN,
        "offers:tariff_edit": ADMIN,
        "offers:invoices": FINANCE,
        "offers:invoices_csv": FINANCE,
        "offers:invoice_csv": FINANCE,
        "offers:invoice_xml": FINANCE,
    }
)

register_nav("offers:index", _("Offers"), signed_in, order=30)
register_nav("offers:tariffs", _("Tariff"), has_any_role(Role.ADMINISTRATOR), order=80)
register_nav(
    "offers:invoices",
    _("Invoice bases"),
    has_any_role(Role.CASE_OFFICER, Role.HEAD_OF_SECTION, Role.ADMINISTRATOR),
    order=32,
)
