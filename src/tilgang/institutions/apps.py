from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "tilgang.institutions"
    label = "institutions"
