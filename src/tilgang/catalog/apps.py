from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "tilgang.catalog"
    label = "catalog"
