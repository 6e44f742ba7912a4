from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tilgang.api"
    label = "api"
