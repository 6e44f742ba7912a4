from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tilgang.accounts"
    label = "accounts"
