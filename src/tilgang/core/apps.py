from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tilgang.core"
    label = "core"

    def ready(self) -> None:
        # Django's own "- Select an option -" has no bokmål or nynorsk translation yet; this is the
        # documented place to give every empty <select> choice a label of the project's.
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = _("Choose…")
