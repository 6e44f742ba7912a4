from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tilgang.accounts.models import Language
from tilgang.core.forms import DsFormMixin
from tilgang.core.roles import Role
from tilgang.core.validators import normalise_mobile
from tilgang.institutions.models import Institution


class LoginForm(DsFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(DsFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("6 digits. If you have lost your device, enter one of your recovery codes."),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SetPasswordForm(DsFormMixin, forms.Form):
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=settings.PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Repeat the new password"),
        strip=False,
        max_length=settings.PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, help_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = help_text

    def clean(self):
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class EmailForm(DsFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ReauthForm(DsFormMixin, forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, needs_code: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["code"]
        else:
            self.fields["code"].required = True


class MobileForm(DsFormMixin, forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"),
        help_text=_(
            "One-time passwords for the files you receive are sent here by SMS. Example: +47 912 34 567."
        ),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_mobile(self):
        return normalise_mobile(self.cleaned_data["mobile"])


class TokenForm(DsFormMixin, forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100)


class InviteForm(DsFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=Language.choices)
    roles = forms.MultipleChoiceField(
        label=_("Staff roles"),
        required=False,
        choices=[
            (r.value, r.label) for r in Role if r.value not in ("applicant", "project_member", "signatory")
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Select no role to invite an applicant or other external user."),
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.all(), required=False
    )

    def clean_email(self):
        from tilgang.accounts.models import User

        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email=email).exists():
            raise ValidationError(_("%(email)s already has an account.") % {"email": email})
        return email
