"""The REST API under /api/v1/: every portal action has its twin here, calling the same services.

Authentication is by personal token (``Authorization: Bearer tlg_…``, see accounts.middleware);
which route each role may call is decided in ``tilgang.core.permissions`` like any portal route.
Each app contributes a ninja Router from its ``api.py``.
"""

from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from tilgang.accounts.api import router as accounts_router
from tilgang.applications.api import router as applications_router
from tilgang.audit.api import router as audit_router
from tilgang.catalog.api import router as catalog_router
from tilgang.core.api import router as core_router
from tilgang.core.permissions import PUBLIC, register
from tilgang.exchange.api import router as exchange_router
from tilgang.inquiries.api import router as inquiries_router
from tilgang.institutions.api import router as institutions_router
from tilgang.offers.api import router as offers_router
from tilgang.preparation.api import router as preparation_router


class BearerToken(HttpBearer):
    """Documents the scheme in OpenAPI; the token was already resolved by ApiTokenMiddleware."""

    def authenticate(self, request, token):
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="tilgang API",
    version="1",
    description="Microdata access service. Every action in the portal is also an API call.",
    urls_namespace="api",
    auth=BearerToken(),
)
api.add_router("", core_router)
api.add_router("/accounts", accounts_router)
api.add_router("/audit", audit_router)
api.add_router("/institutions", institutions_router)
api.add_router("/catalog", catalog_router)
api.add_router("/applications", applications_router)
api.add_router("/offers", offers_router)
api.add_router("/exchange", exchange_router)
api.add_router("/preparation", preparation_router)
api.add_router("/inquiries", inquiries_router)


@api.exception_handler(NinjaValidationError)
def validation_error(request, exc):
    return api.create_response(
        request, {"detail": _("The request is not valid."), "errors": exc.errors}, status=422
    )


register({"api:api-root": PUBLIC, "api:openapi-json": PUBLIC, "api:openapi-view": PUBLIC})
