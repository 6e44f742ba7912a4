from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "tilgang.exchange"
    label = "exchange"
