from django import forms
from django.utils.translation import gettext_lazy as _

from tilgang.core.forms import DsFormMixin


class AuditFilterForm(DsFormMixin, forms.Form):
    user = forms.EmailField(label=_("User (e-mail)"), required=False)
    object_type = forms.CharField(
        label=_("Object type"), required=False, help_text=_("For example accounts.user")
    )
    object_id = forms.CharField(label=_("Object ID"), required=False)
    since = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
