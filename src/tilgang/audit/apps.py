from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tilgang.audit"
    label = "audit"
