from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tilgang.core"
    label = "core"
