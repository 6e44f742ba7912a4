from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "tilgang.applications"
    label = "applications"
