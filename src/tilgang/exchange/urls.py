from django.urls import path
from django.utils.translation import gettext_lazy as _

from tilgang.core.navigation import register_nav, signed_in
from tilgang.core.permissions import SIGNED_IN, only, register
from tilgang.exchange import views
from tilgang.exchange.selectors import can_see_cases
from tilgang.exchange.services import CASE_ROLES

app_name = "exchange"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sendt/", views.sent, name="sent"),
    path("ny/", views.new, name="new"),
    path("opplasting/", views.upload_create, name="upload_create"),
    path("opplasting/<uuid:upload_id>/", views.upload, name="upload"),
    path("sak/", views.case, name="case"),
    path("pakke/<int:pk>/", views.package, name="package"),
    path("pakke/<int:pk>/last-ned/", views.download, name="download"),
    path("pakke/<int:pk>/passord/", views.password_resend, name="password_resend"),
    path("pakke/<int:pk>/be-om-gjenapning/", views.reopen_request, name="reopen_request"),
    path("pakke/<int:pk>/gjenapne/", views.reopen, name="reopen"),
]

# Object-level rules (sender, recipient, case staff) are checked in the selectors and services.
register(
    {
        "exchange:inbox": SIGNED_IN,
        "exchange:sent": SIGNED_IN,
        "exchange:new": SIGNED_IN,
        # The new-package form's resumable uploads (twins: api:exchange_upload_create, api:exchange_upload).
        "exchange:upload_create": SIGNED_IN,
        "exchange:upload": SIGNED_IN,
        "exchange:case": only(CASE_ROLES),
        "exchange:package": SIGNED_IN,
        "exchange:download": SIGNED_IN,
        "exchange:password_resend": SIGNED_IN,
        "exchange:reopen_request": SIGNED_IN,
        "exchange:reopen": SIGNED_IN,
    }
)

register_nav("exchange:inbox", _("File exchange"), signed_in, order=40)
register_nav("exchange:case", _("Packages per case"), can_see_cases, order=41)
