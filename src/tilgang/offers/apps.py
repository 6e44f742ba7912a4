from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "tilgang.offers"
    label = "offers"
