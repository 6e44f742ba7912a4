from django.urls import include, path

from tilgang.api.api import api

urlpatterns = [
    path("", include("tilgang.core.urls")),
    path("konto/", include("tilgang.accounts.urls")),
    path("revisjon/", include("tilgang.audit.urls")),
    path("utboks/", include("tilgang.notify.urls")),
    path("institusjoner/", include("tilgang.institutions.urls")),
    path("katalog/", include("tilgang.catalog.urls")),
    path("soknader/", include("tilgang.applications.urls")),
    path("tilbud/", include("tilgang.offers.urls")),
    path("filsluse/", include("tilgang.exchange.urls")),
    path("uttrekk/", include("tilgang.preparation.urls")),
    path("informasjon/", include("tilgang.inquiries.urls")),
    path("api/v1/", api.urls),
]
