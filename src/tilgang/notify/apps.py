from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "tilgang.notify"
    label = "notify"
