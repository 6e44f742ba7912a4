from typing import TYPE_CHECKING

from django import forms

if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class DsFormMixin(_FormBase):
    """Gives widgets Designsystemet's class and ties help and error texts to the input (aria)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "ds-input")
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = " ".join(
                    [f"id_{name}_error"] + ([f"id_{name}_help"] if self.fields[name].help_text else [])
                )
