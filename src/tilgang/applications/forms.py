from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tilgang.accounts.models import User
from tilgang.applications.models import (
    Application,
    AttachmentKind,
    BreachConsequence,
    ChangeKind,
    ProjectRole,
    StandardCondition,
)
from tilgang.core.forms import DsFormMixin
from tilgang.core.roles import Role
from tilgang.institutions.models import Institution
from tilgang.institutions.uploads import DocumentField


class Checkboxes:
    """Checkboxes keep Designsystemet's checkbox look instead of the text input class."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field.widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                field.widget.attrs["class"] = "ds-checkbox"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# The guided application: one step per part of the guidelines' required content (001 §5, 002 §4).
STEPS: list[tuple[str, object, tuple[str, ...]]] = [
    ("project", _("Project and purpose"), (
        "title", "institution", "purpose", "purpose_statistical", "project_description", "need_description",
        "applicant_is_student", "supervisor_email", "supervisor_name", "reuse_of_case_number",
    )),
    ("period", _("Duration"), ("period_start", "period_end", "retention_beyond", "retention_until", "retention_reason")),
    ("population", _("Population"), (
        "population_kind", "population_criteria", "population_as_of", "population_from", "population_to",
        "population_cohort_from", "population_cohort_to",
    )),
    ("data", _("Data and variables"), ("data_sources", "wants_indirectly_identifiable", "own_data_by_consent")),
    ("legal", _("Storage and legal basis"), (
        "storage_location", "storage_details", "gdpr_art6", "gdpr_art9", "legal_basis_details", "dpia_route",
        "dpia_reason",
    )),
    ("linkage", _("Linkage, other data owners, public bodies"), (
        "linkage", "linkage_description", "third_party_data", "third_party_owners", "institution_owns_linked_data",
        "key_handling_separate", "safeguards_account", "contractor_name", "contractor_how",
    )),
    ("members", _("Project members"), ()),
    ("attachments", _("Attachments"), ()),
    ("check", _("Check and submit"), ()),
]  # fmt: skip
STEP_SLUGS = [slug for slug, _label, _fields in STEPS]
HELP = {
    "population_kind": _(
        "“Resident on 1.1.2013” and “resident at any time in 2012” are different populations: say which you mean."
    ),
    "purpose_statistical": _(
        "Data may not be used for administrative, legal, tax or control purposes, or to affect anyone's legal position."
    ),
    "reuse_of_case_number": _(
        "To reuse the exact dataset of an earlier project, give its case number, e.g. 25/00123."
    ),
    "supervisor_email": _("Students: the e-mail address of your supervisor's account."),
    "safeguards_account": _("Public bodies asking for non-anonymous or linked data must describe this."),
}


class StepForm(DsFormMixin, forms.ModelForm):
    institution = forms.ModelChoiceField(
        label=_("Responsible institution"), queryset=Institution.objects.all(), required=False
    )
    supervisor_email = forms.EmailField(label=_("Supervisor's e-mail address"), required=False)
    reuse_of_case_number = forms.CharField(label=_("Reuse of an earlier project's dataset"), required=False)

    class Meta:
        model = Application
        fields: list[str] = []
        widgets = {
            name: DateInput()
            for name in ("period_start", "period_end", "retention_until", "population_as_of", "population_from",
                         "population_to")
        }  # fmt: skip

    def __init__(self, *args, step: str, **kwargs):
        super().__init__(*args, **kwargs)
        wanted = next(fields for slug, _label, fields in STEPS if slug == step)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        for name, field in self.fields.items():
            field.required = False
            if name in HELP:
                field.help_text = HELP[name]
                field.widget.attrs["aria-describedby"] = f"id_{name}_help"
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs["class"] = "ds-checkbox"
        if self.instance.pk and "institution" in self.fields:
            self.fields["institution"].initial = self.instance.institution_id
        if self.instance.pk and "supervisor_email" in self.fields and self.instance.supervisor:
            self.fields["supervisor_email"].initial = self.instance.supervisor.email
        if self.instance.pk and "reuse_of_case_number" in self.fields and self.instance.reuse_of:
            self.fields["reuse_of_case_number"].initial = self.instance.reuse_of.case_number

    def data_for_service(self) -> dict:
        data = {}
        for name, value in self.cleaned_data.items():
            if name == "institution":
                data["institution_id"] = value.pk if value else None
            elif name in ("supervisor_email", "reuse_of_case_number"):
                data[name] = value or ""
            else:
                data[name] = "" if value is None and self.fields[name].__class__ is forms.CharField else value
        return data

    def _post_clean(self):
        # The service validates and saves; the form only parses.
        pass


def step_form_class():
    fields = [
        name for _slug, _label, names in STEPS for name in names if name not in StepForm.declared_fields
    ]
    return forms.modelform_factory(Application, form=StepForm, fields=fields)


class CreateForm(DsFormMixin, forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=300)


class MemberForm(DsFormMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(ProjectRole.PROJECT_MEMBER, ProjectRole.PROJECT_MEMBER.label),
                 (ProjectRole.SIGNATORY, ProjectRole.SIGNATORY.label)],
    )  # fmt: skip


class VariablesForm(DsFormMixin, forms.Form):
    names = forms.CharField(
        label=_("Variable names"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_(
            "One per line or separated by commas, as named in the catalog. Add years after a colon: "
            "INNTEKT_WLONN: 2015-2019."
        ),
    )


class SelectionUploadForm(DsFormMixin, forms.Form):
    file = forms.FileField(label=_("Ticked variable list (XLSX or CSV)"), required=False)
    script = forms.CharField(
        label=_("microdata.no script"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class AttachmentForm(DsFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of attachment"), choices=AttachmentKind.choices)
    file = DocumentField(label=_("File"))


class MessageForm(DsFormMixin, forms.Form):
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}))


class NoteForm(DsFormMixin, forms.Form):
    note = forms.CharField(
        label=_("Internal note (never shown to the applicant)"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonsForm(DsFormMixin, forms.Form):
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 5}))


class AssignForm(DsFormMixin, forms.Form):
    case_officer = forms.ModelChoiceField(label=_("Case officer"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_officer"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role_grants__role=Role.CASE_OFFICER, is_active=True
        )


class GrantForm(Checkboxes, DsFormMixin, forms.Form):
    deletion_deadline = forms.DateField(label=_("Deletion deadline"), widget=DateInput())
    standard_conditions = forms.MultipleChoiceField(
        label=_("Standard conditions"),
        choices=StandardCondition.choices,
        initial=list(StandardCondition.values),
        widget=forms.CheckboxSelectMultiple,
    )
    specific_conditions = forms.CharField(
        label=_("Conditions for this case"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reasons = forms.CharField(label=_("Assessment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class AppealForm(DsFormMixin, forms.Form):
    grounds = forms.CharField(
        label=_("Why the decision should be changed"), widget=forms.Textarea(attrs={"rows": 5})
    )


class ChangeForm(Checkboxes, DsFormMixin, forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("What changes"), choices=ChangeKind.choices, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Describe the change"), widget=forms.Textarea(attrs={"rows": 3}))
    new_period_end = forms.DateField(label=_("New project end"), widget=DateInput(), required=False)
    new_members = forms.CharField(
        label=_("New project members"),
        help_text=_("One per line: full name, e-mail address."),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def clean_new_members(self):
        people = []
        for number, line in enumerate(self.cleaned_data["new_members"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, email = line.rpartition(",")
            if not name.strip() or "@" not in email:
                raise forms.ValidationError(
                    _("Line %(line)d: write the full name, a comma and the e-mail address.")
                    % {"line": number}
                )
            people.append({"full_name": name.strip(), "email": email.strip()})
        return people


class ConfirmForm(Checkboxes, DsFormMixin, forms.Form):
    confirm = forms.BooleanField(label=_("I confirm"))


class BreachForm(DsFormMixin, forms.Form):
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))
    occurred_on = forms.DateField(label=_("When it happened"), widget=DateInput())
    consequence = forms.ChoiceField(label=_("Consequence"), choices=BreachConsequence.choices)
    new_conditions = forms.CharField(
        label=_("New conditions"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    delete_by = forms.DateField(label=_("Delete the data by"), widget=DateInput(), required=False)
