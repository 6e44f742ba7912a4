from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tilgang.core.forms import DsFormMixin
from tilgang.core.validators import normalise_orgnr
from tilgang.institutions.models import (
    RESEARCH_KINDS,
    ApprovalSource,
    AttachmentKind,
    FundingKind,
    Institution,
    InstitutionKind,
)
from tilgang.institutions.uploads import DocumentField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstitutionForm(DsFormMixin, forms.ModelForm):
    """Name, identifiers and kind. Approvals come from the lists and the office's decisions, not from here."""

    class Meta:
        model = Institution
        fields = ["name", "orgnr", "foreign_id", "country", "kind", "public_body_category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.kind in RESEARCH_KINDS:
            del self.fields["kind"]  # follows the approval history
        else:
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                (InstitutionKind.PUBLIC_BODY, InstitutionKind.PUBLIC_BODY.label),
                (InstitutionKind.OTHER, InstitutionKind.OTHER.label),
            ]

    def clean_orgnr(self):
        value = self.cleaned_data.get("orgnr", "").strip()
        return normalise_orgnr(value) if value else ""

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()

    def clean(self):
        data = super().clean() or {}
        kind = data.get("kind", self.instance.kind)
        if data.get("country") == "NO" and not data.get("orgnr") and not self.instance.region_code:
            self.add_error("orgnr", _("A Norwegian institution needs its organisation number."))
        if data.get("country") != "NO" and not data.get("orgnr") and not data.get("foreign_id"):
            self.add_error("foreign_id", _("A foreign institution needs an identifier from its own country."))
        if kind == InstitutionKind.PUBLIC_BODY and not data.get("public_body_category"):
            self.add_error("public_body_category", _("Choose the category (a–e) of the public body."))
        return data


class ApprovalRecordForm(DsFormMixin, forms.Form):
    source = forms.ChoiceField(label=_("Approved by"), choices=ApprovalSource.choices)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_to = forms.DateField(label=_("Valid to"), widget=DATE, required=False)


class ListImportForm(DsFormMixin, forms.Form):
    source = forms.ChoiceField(
        label=_("Which list"),
        choices=[
            (ApprovalSource.NFR, _("Research Council of Norway: approved research organisations")),
            (ApprovalSource.EUROSTAT, _("Eurostat: recognised research entities")),
        ],
    )
    list_date = forms.DateField(
        label=_("Date of the list"),
        widget=DATE,
        help_text=_("Institutions no longer on the list lose their approval the day before this date."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("XLSX or CSV; Eurostat's list also as the PDF it publishes."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,.pdf"}),
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name or organisation number"), required=False, max_length=200)


class ApprovalRequestForm(DsFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of the organisation"), max_length=300)
    country = forms.CharField(
        label=_("Country"), max_length=2, initial="NO", help_text=_("Two-letter country code, NO for Norway.")
    )
    orgnr = forms.CharField(label=_("Organisation number"), max_length=11, required=False)
    foreign_id = forms.CharField(
        label=_("Registration number abroad"),
        max_length=60,
        required=False,
        help_text=_("Only for organisations outside Norway."),
    )
    research_statement = forms.CharField(
        label=_("Statement of independent research"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "How the organisation does independent research with qualified staff, and how it publishes."
        ),
    )
    rd_person_years = forms.DecimalField(
        label=_("R&D person-years last year"), min_value=0, max_digits=8, decimal_places=1
    )
    staff_count = forms.IntegerField(label=_("Number of employees"), min_value=0)
    statutes = DocumentField(label=AttachmentKind.STATUTES.label)
    annual_report = DocumentField(label=AttachmentKind.ANNUAL_REPORT.label)
    company_certificate = DocumentField(label=AttachmentKind.COMPANY_CERTIFICATE.label)
    research_statement_file = DocumentField(label=AttachmentKind.RESEARCH_STATEMENT.label)

    def __init__(self, *args, draft: bool = False, kept: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept = kept or {}  # field -> StagedAttachment: files kept on the server from an earlier try
        if draft:  # a draft takes the attachments at hand; the rest are added on the request's page
            for name in ATTACHMENT_FIELDS:
                self.fields[name].required = False
        for name in self.kept:
            self.fields[name].required = False

    def attachment_rows(self) -> list[tuple[forms.BoundField, object]]:
        """Each attachment field with the file already kept for it (or None)."""
        return [(self[name], self.kept.get(name)) for name in ATTACHMENT_FIELDS]

    def clean(self):
        data = super().clean() or {}
        country = (data.get("country") or "NO").strip().upper()
        data["country"] = country
        if country == "NO":
            if not data.get("orgnr"):
                self.add_error("orgnr", _("A Norwegian organisation needs its organisation number."))
            else:
                try:
                    data["orgnr"] = normalise_orgnr(data["orgnr"])
                except ValidationError as error:
                    self.add_error("orgnr", error)
        elif not data.get("foreign_id"):
            self.add_error("foreign_id", _("Give the organisation's registration number in its own country."))
        return data


ATTACHMENT_FIELDS = {
    "statutes": AttachmentKind.STATUTES,
    "annual_report": AttachmentKind.ANNUAL_REPORT,
    "company_certificate": AttachmentKind.COMPANY_CERTIFICATE,
    "research_statement_file": AttachmentKind.RESEARCH_STATEMENT,
}


class ProjectForm(DsFormMixin, forms.Form):
    title = forms.CharField(label=_("Project"), max_length=300)
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)
    funding_source = forms.CharField(label=_("Funding source"), max_length=300)
    amount_nok = forms.IntegerField(label=_("Amount (NOK)"), min_value=0)
    published_where = forms.CharField(label=_("Where the results are published"), max_length=500)


ProjectFormSet = forms.formset_factory(ProjectForm, extra=3, min_num=1, validate_min=True, max_num=30)


class CompleteRequestForm(DsFormMixin, forms.Form):
    """The figures of a draft, or of a request the office has asked more about; the projects go in a
    ``ProjectFormSet`` and the attachments are added on the request's page (``AttachmentForm``)."""

    research_statement = ApprovalRequestForm.base_fields["research_statement"]
    rd_person_years = ApprovalRequestForm.base_fields["rd_person_years"]
    staff_count = ApprovalRequestForm.base_fields["staff_count"]


class AttachmentForm(DsFormMixin, forms.Form):
    """One attachment to a request. For a required kind the kind is fixed and names the file input;
    for another attachment it is chosen. Several of these forms share the request's page, so each has
    its own element ids (``id_<slot>_<field>``)."""

    kind = forms.ChoiceField(label=_("Kind of attachment"), choices=AttachmentKind.choices)
    # Empty files reach validate_document, whose message names the file.
    file = DocumentField(
        label=_("File"),
        allow_empty_file=True,
        error_messages={"required": _("Choose the file to upload.")},
    )

    def __init__(self, *args, kind: str | None = None, **kwargs):
        self.fixed_kind = kind
        self.slot = kind or "another"
        kwargs.setdefault("auto_id", f"id_{self.slot}_%s")
        super().__init__(*args, **kwargs)
        if kind:
            self.fields["kind"].initial = kind
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields["file"].label = AttachmentKind(kind).label
        else:
            self.fields["kind"].initial = AttachmentKind.OTHER
        self._describe(errors={})

    def clean_kind(self):
        return self.fixed_kind or self.cleaned_data["kind"]

    def _describe(self, errors) -> None:
        # DsFormMixin ties help and errors to ``id_<name>``; here the ids carry the slot.
        for name, field in self.fields.items():
            auto_id = self[name].auto_id
            ids = [f"{auto_id}_error"] if name in errors else []
            ids += [f"{auto_id}_help"] if field.help_text else []
            field.widget.attrs.pop("aria-describedby", None)
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def full_clean(self):
        super().full_clean()
        self._describe(errors=self.errors)


class ChecklistForm(forms.Form):
    def __init__(self, *args, items: list[tuple[str, str]], ticked: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for code, text in items:
            self.fields[code] = forms.BooleanField(label=text, required=False, initial=bool(ticked.get(code)))


class MoreInfoForm(DsFormMixin, forms.Form):
    message = forms.CharField(label=_("What must be added"), widget=forms.Textarea(attrs={"rows": 4}))


class ApproveForm(DsFormMixin, forms.Form):
    valid_from = forms.DateField(label=_("Approved from"), widget=DATE)
    valid_to = forms.DateField(label=_("Approved to"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["valid_from"].initial = today
        self.fields["valid_to"].initial = date(today.year + 5, today.month, min(today.day, 28))


class RefuseForm(DsFormMixin, forms.Form):
    reasons = forms.CharField(label=_("Reasons for the refusal"), widget=forms.Textarea(attrs={"rows": 4}))


class AffiliationForm(DsFormMixin, forms.Form):
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.filter(ceased_on__isnull=True)
    )
    position = forms.CharField(label=_("Position"), max_length=200)
    has_research_qualifications = forms.BooleanField(
        label=_("I hold research qualifications (a doctorate or equivalent)"), required=False
    )
    valid_from = forms.DateField(label=_("From"), widget=DATE)


class FundedProjectForm(DsFormMixin, forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=300)
    funding_kind = forms.ChoiceField(label=_("Funding"), choices=FundingKind.choices)
    funder_name = forms.CharField(label=_("Funder or programme"), max_length=300)
    reference = forms.CharField(label=_("Grant or contract reference"), max_length=100)
    institution = forms.ModelChoiceField(
        label=_("Institution doing the research"), queryset=Institution.objects.all(), required=False
    )
    commissioning_body = forms.ModelChoiceField(
        label=_("Commissioning public body"),
        queryset=Institution.objects.filter(kind=InstitutionKind.PUBLIC_BODY),
        required=False,
    )
    standard_agreement = forms.BooleanField(
        label=_("Commissioned under the standard research agreement"), required=False
    )
    valid_from = forms.DateField(label=_("Project start"), widget=DATE)
    valid_to = forms.DateField(label=_("Project end"), widget=DATE)
