"""The variable catalog: statistics areas, registers, variables, code lists and yearly coverage.

Everything here mirrors ``metadata.json`` of a register directory (``tilgang.engine.metadata``) and
is written by one service only, ``catalog_load``, so the catalog and the data never disagree.
Staff may edit descriptive texts and publication dates; those edits live in their own
``*_edited`` fields, which the loader never writes, so they survive every reload. What a reader
sees is the edited value when there is one, else the loaded one.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _english() -> bool:
    # The metadata carry bokmål and English; nynorsk readers get bokmål.
    return (translation.get_language() or "nb").startswith("en")


class SourceKind(models.TextChoices):
    ADMINISTRATIVE = "administrative", _("Administrative register")
    # DOMAIN R-DATA-5: the office's own surveys go as a rule only to researchers.
    SURVEY = "survey", _("The office's own survey")
    # DOMAIN R-DATA-1: central health registers are never delivered; helsedata.no is the route.
    HEALTH_REGISTER = "health_register", _("Central health register")


class UnitType(models.TextChoices):
    PERSON = "PERSON", _("Person")
    FAMILY = "FAMILY", _("Family")
    ENTERPRISE = "ENTERPRISE", _("Enterprise")
    ESTABLISHMENT = "ESTABLISHMENT", _("Establishment")
    JOB = "JOB", pgettext_lazy("unit type", "Job")


class Temporality(models.TextChoices):
    FIXED = "FIXED", _("Fixed")
    STATUS = "STATUS", _("Status at a date")
    ACCUMULATED = "ACCUMULATED", _("Accumulated per year")
    EVENT = "EVENT", _("Event with start and stop")


class DataType(models.TextChoices):
    STRING = "STRING", _("Text")
    LONG = "LONG", _("Whole number")
    DOUBLE = "DOUBLE", _("Decimal number")
    DATE = "DATE", _("Date")


class Sensitivity(models.TextChoices):
    # DOMAIN R-DATA-3: GDPR art. 9 special categories.
    NONE = "", _("Not a special category")
    HEALTH = "health", _("Health (GDPR art. 9)")
    CRIME = "crime", _("Crime (GDPR art. 10)")
    TRADE_UNION = "trade_union", _("Trade-union membership (GDPR art. 9)")


class Identifying(models.TextChoices):
    NONE = "", _("No")
    EXACT_DATE = "exact_date", _("Exact date")
    COORDINATES = "coordinates", _("Coordinates")
    GRUNNKRETS = "grunnkrets", _("Basic statistical unit (grunnkrets)")


class CatalogLoad(models.Model):
    """One load of ``metadata.json`` that changed the catalog: which register version, when."""

    register_version = models.CharField(max_length=100)
    seed = models.BigIntegerField(null=True)
    persons = models.BigIntegerField(null=True)
    loaded_at = models.DateTimeField(default=timezone.now)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-loaded_at", "-pk"]

    def __str__(self) -> str:
        return self.register_version


class StatisticsArea(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name_nb = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)  # order in metadata.json

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_nb


class Register(models.Model):
    code = models.CharField(max_length=40, unique=True)
    area = models.ForeignKey(StatisticsArea, on_delete=models.PROTECT, related_name="registers")
    name_nb = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices)
    register_version = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_nb


class CodeList(models.Model):
    name = models.CharField(max_length=60, unique=True)
    source = models.TextField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Code(models.Model):
    codelist = models.ForeignKey(CodeList, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=40)
    label_nb = models.CharField(max_length=300)
    label_en = models.CharField(max_length=300)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["codelist", "position"]
        constraints = [models.UniqueConstraint(fields=["codelist", "code"], name="catalog_code_unique")]

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return self.label_en if _english() else self.label_nb


class Variable(models.Model):
    """A register variable. Fields without ``_edited`` are data-derived: only the loader writes them."""

    name = models.CharField(max_length=32, unique=True)
    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="variables")
    area = models.ForeignKey(StatisticsArea, on_delete=models.PROTECT, related_name="variables")
    unit_type = models.CharField(max_length=20, choices=UnitType.choices)
    temporality = models.CharField(max_length=20, choices=Temporality.choices)
    data_type = models.CharField(max_length=10, choices=DataType.choices)
    codelist = models.ForeignKey(
        CodeList, null=True, blank=True, on_delete=models.PROTECT, related_name="variables"
    )
    sensitivity = models.CharField(max_length=20, choices=Sensitivity.choices, blank=True)
    identifying = models.CharField(max_length=20, choices=Identifying.choices, blank=True)
    price_group = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    # Descriptive texts as loaded, and as edited by staff (blank: not edited).
    label_nb = models.CharField(max_length=300)
    label_en = models.CharField(max_length=300)
    definition_nb = models.TextField()
    definition_en = models.TextField()
    label_nb_edited = models.CharField(max_length=300, blank=True)
    label_en_edited = models.CharField(max_length=300, blank=True)
    definition_nb_edited = models.TextField(blank=True)
    definition_en_edited = models.TextField(blank=True)
    # A variable that disappeared from metadata.json stays (applications may refer to it) but is
    # withdrawn: hidden from search and never selectable.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    register_version = models.CharField(max_length=100)
    # Lower-cased name, texts in both languages, register, area and code labels: what search matches.
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "name"]
        indexes = [models.Index(fields=["area", "withdrawn_at"])]

    def __str__(self) -> str:
        return self.name

    # The texts a reader sees: staff edits win over the loaded text.
    @property
    def shown_label_nb(self) -> str:
        return self.label_nb_edited or self.label_nb

    @property
    def shown_label_en(self) -> str:
        return self.label_en_edited or self.label_en

    @property
    def shown_definition_nb(self) -> str:
        return self.definition_nb_edited or self.definition_nb

    @property
    def shown_definition_en(self) -> str:
        return self.definition_en_edited or self.definition_en

    @property
    def label(self) -> str:
        return self.shown_label_en if _english() else self.shown_label_nb

    @property
    def definition(self) -> str:
        return self.shown_definition_en if _english() else self.shown_definition_nb

    @property
    def is_edited(self) -> bool:
        return any(
            [self.label_nb_edited, self.label_en_edited, self.definition_nb_edited, self.definition_en_edited]
        )

    @property
    def source_kind(self) -> str:
        return self.register.source_kind

    @property
    def deliverable(self) -> bool:
        # DOMAIN R-DATA-1: never data from the central health registers.
        return self.register.source_kind != SourceKind.HEALTH_REGISTER and self.withdrawn_at is None

    @property
    def survey(self) -> bool:
        # DOMAIN R-DATA-5: the office's own survey data go as a rule only to researchers.
        return self.register.source_kind == SourceKind.SURVEY

    @property
    def fdtrygd_table(self) -> str:
        return self.price_group.removeprefix("FDTRYGD:") if self.price_group.startswith("FDTRYGD:") else ""

    def year_list(self) -> list[int]:
        return [coverage.year for coverage in self.coverage.all()]


class Coverage(models.Model):
    """One year of a variable, with the date that year's official statistic is published.

    DOMAIN R-DATA-2: until that date the year is under embargo."""

    variable = models.ForeignKey(Variable, on_delete=models.CASCADE, related_name="coverage")
    year = models.PositiveSmallIntegerField()
    published_on = models.DateField(null=True, blank=True)  # as loaded
    published_on_edited = models.DateField(null=True, blank=True)  # set by staff; survives reloads

    class Meta:
        ordering = ["variable", "year"]
        constraints = [models.UniqueConstraint(fields=["variable", "year"], name="catalog_coverage_unique")]

    def __str__(self) -> str:
        return f"{self.variable_id}:{self.year}"

    @property
    def publication_date(self) -> date | None:
        return self.published_on_edited or self.published_on

    def embargoed(self, today: date | None = None) -> bool:
        """True while the year's statistic is not yet published (DOMAIN R-DATA-2)."""
        published = self.publication_date
        return published is not None and published > (today or timezone.localdate())
