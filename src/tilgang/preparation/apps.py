from django.apps import AppConfig


class PreparationConfig(AppConfig):
    name = "tilgang.preparation"
    label = "preparation"
