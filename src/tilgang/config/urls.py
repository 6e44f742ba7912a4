from django.urls import include, path

from tilgang.api.api import api

urlpatterns = [
    path("", include("tilgang.core.urls")),
    path("konto/", include("tilgang.accounts.urls")),
    path("revisjon/", include("tilgang.audit.urls")),
    path("utboks/", include("tilgang.notify.urls")),
    path("institusjoner/", include("tilgang.institutions.urls")),
    path("api/v1/", api.urls),
]
