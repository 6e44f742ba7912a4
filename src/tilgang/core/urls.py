from django.urls import path

from tilgang.core import views
from tilgang.core.permissions import PUBLIC, register

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("helse/", views.health, name="health"),
    path("sprak/", views.set_language, name="set_language"),
    path("tilgjengelighet/", views.accessibility, name="accessibility"),
]

register(
    {
        "core:home": PUBLIC,
        "core:health": PUBLIC,
        "core:set_language": PUBLIC,
        "core:accessibility": PUBLIC,
    }
)
