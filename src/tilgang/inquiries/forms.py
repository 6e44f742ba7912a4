from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from tilgang.accounts.models import Language
from tilgang.core.forms import DsFormMixin
from tilgang.inquiries.models import DocType, Section, Survey, Topic
from tilgang.inquiries.services import max_text

HONEYPOT_FIELD = "website"


class HoneypotMixin(forms.Form):
    """A field people never see (hidden by CSS and from screen readers); robots fill it in."""

    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def honeypot_filled(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())


class InquiryForm(DsFormMixin, HoneypotMixin):
    name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We send the receipt and the answer here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    topic = forms.ChoiceField(label=_("What is your question about?"), choices=Topic.choices)
    survey = forms.ModelChoiceField(
        label=_("The survey you were asked to report to"),
        queryset=Survey.objects.all(),
        required=False,
        help_text=_("Only if your question is about reporting to a survey."),
    )
    text = forms.CharField(
        label=_("Your question"),
        help_text=_("Write in bokmål, nynorsk or English; we answer in the same written standard."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].validators.append(MaxLengthValidator(max_text()))


class AnswerForm(DsFormMixin, forms.Form):
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20_000)


class WhenInput(forms.DateTimeInput):
    """A date and time to the minute, in the browser's own picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class PhoneAnswerForm(DsFormMixin, forms.Form):
    """The answer given by phone; used with ``prefix="phone"`` beside the e-mail answer form."""

    body = forms.CharField(
        label=_("What you told the caller"),
        help_text=_("Kept in the thread. Nothing is e-mailed."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
    )
    given_at = forms.DateTimeField(label=_("When the answer was given"), widget=WhenInput())


class PhoneInquiryForm(DsFormMixin, forms.Form):
    name = forms.CharField(label=_("Caller's name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, help_text=_("The number to call back, e.g. +47 912 34 567.")
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        help_text=_(
            "With an address, the caller gets a receipt and the answer by e-mail. Without one, the answer "
            "is given by phone and recorded here."
        ),
    )
    topic = forms.ChoiceField(label=_("What is the question about?"), choices=Topic.choices)
    text = forms.CharField(
        label=_("The question"),
        help_text=_(
            "In the caller's written standard where you can: the reply language is guessed from this text, "
            "and you can change it on the inquiry's page."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    received_at = forms.DateTimeField(
        label=_("Received"),
        help_text=_("When the call came in: the service-level clock starts then."),
        widget=WhenInput(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].validators.append(MaxLengthValidator(max_text()))


class StandardAnswerForm(DsFormMixin, forms.Form):
    """A standard answer with a title and text per written standard; at least one is needed."""

    key = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and hyphens, e.g. microdata-access. It cannot be changed."),
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in Language.choices:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": label}, max_length=200, required=False
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": label},
                required=False,
                max_length=20_000,
                widget=forms.Textarea(attrs={"rows": 8}),
            )
            for name in (f"title_{code}", f"body_{code}"):
                self.fields[name].widget.attrs.setdefault("class", "ds-input")
        if editing:
            self.fields["key"].disabled = True

    def language_fields(self):
        """(code, name, title field, text field) per written standard, for the template."""
        return [
            (code, label, self[f"title_{code}"], self[f"body_{code}"]) for code, label in Language.choices
        ]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        present = 0
        for code, _label in Language.choices:
            title, body = (data.get(f"title_{code}") or "").strip(), (data.get(f"body_{code}") or "").strip()
            if title and not body:
                self.add_error(f"body_{code}", _("Write the text too, or empty the title."))
            elif body and not title:
                self.add_error(f"title_{code}", _("Give the title too, or empty the text."))
            elif title:
                present += 1
        if not present and not self.errors:
            raise forms.ValidationError(_("Write the standard answer in at least one language."))
        return data

    def versions(self) -> dict[str, tuple[str, str]]:
        return {
            code: (self.cleaned_data[f"title_{code}"], self.cleaned_data[f"body_{code}"])
            for code in Language.values
        }


class LanguageForm(DsFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Reply language"), choices=Language.choices)


class ForwardForm(DsFormMixin, forms.Form):
    section = forms.ModelChoiceField(label=_("Section"), queryset=Section.objects.all())
    note = forms.CharField(
        label=_("Note to the section"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(DsFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why is it closed without an answer?"), max_length=2000)


class SectionForm(DsFormMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address of the section"))
    members = forms.CharField(
        label=_("Members"),
        required=False,
        help_text=_("E-mail addresses of staff who answer for the section, separated by commas."),
    )


class JournalSearchForm(DsFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    doc_type = forms.ChoiceField(
        label=_("Document type"), required=False, choices=[("", _("All"))] + list(DocType.choices)
    )
    date_from = forms.DateField(
        label=_("Journal date from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Journal date to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class JournalRecordForm(DsFormMixin, forms.Form):
    case_number = forms.CharField(
        label=_("Case or document number"),
        help_text=_("26/01234-5, or 26/01234 for the case's next document; leave empty for a new case."),
        required=False,
        max_length=20,
    )
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocType.choices)
    title = forms.CharField(label=_("Title"), max_length=500)
    party = forms.CharField(label=_("Sender or recipient"), max_length=300, required=False)
    party_is_person = forms.BooleanField(label=_("The sender or recipient is a person"), required=False)
    personal_names = forms.CharField(
        label=_("Personal names in the title"), required=False, help_text=_("Separated by commas.")
    )
    document_date = forms.DateField(label=_("Document date"), widget=forms.DateInput(attrs={"type": "date"}))
    screened = forms.BooleanField(label=_("Screened (exempt from public access)"), required=False)
    legal_reference = forms.CharField(
        label=_("Legal reference"),
        required=False,
        max_length=200,
        help_text=_("For example: Offl. § 13 jf. statistikkloven § 7"),
    )
    document_file = forms.FileField(label=_("Document"), required=False)
    public_file = forms.FileField(label=_("Screened copy"), required=False)


class InnsynForm(DsFormMixin, HoneypotMixin):
    name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-mail address"), help_text=_("We send the answer and the document here.")
    )
    message = forms.CharField(
        label=_("Message"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class GrantForm(DsFormMixin, forms.Form):
    screened_copy = forms.FileField(
        label=_("Screened copy to send"),
        required=False,
        help_text=_("Needed when the document is screened and no screened copy is stored."),
    )


class RefuseForm(DsFormMixin, forms.Form):
    legal_reference = forms.CharField(
        label=_("Legal reference"),
        max_length=200,
        help_text=_("For example: Offl. § 13 jf. statistikkloven § 7"),
    )
    explanation = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )


class AppealForm(DsFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Why should the decision be changed?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
    )


class SurveyForm(DsFormMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    what_to_report = forms.CharField(label=_("What to report"), widget=forms.Textarea(attrs={"rows": 3}))
    how_to_report = forms.CharField(label=_("How to report"), widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    obligatory = forms.BooleanField(label=_("Reporting obligation"), required=False)
    legal_reference = forms.CharField(
        label=_("Legal basis of the obligation"),
        max_length=200,
        required=False,
        help_text=_("For example: statistikkloven § 10"),
    )
    fine_legal_reference = forms.CharField(
        label=_("Legal basis of coercive fines"),
        max_length=200,
        required=False,
        help_text=_("For example: statistikkloven § 21"),
    )


class RespondentForm(DsFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    identifier = forms.CharField(label=_("Organisation number or reference"), max_length=40, required=False)
    reporting_for = forms.CharField(label=_("Reports for"), max_length=300)
    email = forms.EmailField(label=_("E-mail address"))
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class FineForm(DsFormMixin, forms.Form):
    amount_per_day = forms.IntegerField(label=_("Amount per day (NOK)"), min_value=1, max_value=1_000_000)
    from_date = forms.DateField(label=_("Runs from"), widget=forms.DateInput(attrs={"type": "date"}))
