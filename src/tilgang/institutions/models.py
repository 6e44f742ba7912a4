from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    # DOMAIN R-ELIG-1, R-ELIG-2, R-ELIG-3
    RESEARCH_NFR = "research_nfr", _("Research institution approved by the Research Council of Norway")
    RESEARCH_EUROSTAT = "research_eurostat", _("Research entity recognised by Eurostat")
    RESEARCH_OFFICE = "research_office", _("Research institution approved by the statistics office")
    PUBLIC_BODY = "public_body", _("Public body")
    OTHER = "other", _("Other organisation")


class PublicBodyCategory(models.TextChoices):
    # DOMAIN R-ELIG-3 a–e
    A = "a", _("a) State body, county or municipality")
    B = "b", _("b) Norges Bank")
    C = "c", _("c) The Office of the Auditor General")
    D = "d", _("d) Central statistics authority of another country")
    E = "e", _("e) International organisation founded on a treaty")


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=300)
    orgnr = models.CharField(
        _("organisation number"), max_length=9, blank=True
    )  # Norwegian, check digit validated
    foreign_id = models.CharField(_("foreign identifier"), max_length=60, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NO")  # ISO 3166-1 alpha-2
    kind = models.CharField(
        _("kind"), max_length=30, choices=InstitutionKind.choices, default=InstitutionKind.OTHER
    )
    public_body_category = models.CharField(
        _("public body category"), max_length=1, choices=PublicBodyCategory.choices, blank=True
    )
    approved_from = models.DateField(_("approved from"), null=True, blank=True)
    approved_to = models.DateField(_("approved to"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["orgnr"], condition=~models.Q(orgnr=""), name="unique_institution_orgnr"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_approved_on(self, day: date) -> bool:
        if self.kind in (InstitutionKind.OTHER,):
            return False
        if self.approved_from and day < self.approved_from:
            return False
        return not (self.approved_to and day > self.approved_to)
