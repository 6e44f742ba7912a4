from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "tilgang.inquiries"
    label = "inquiries"
