"""Counties and municipalities as public bodies of category a, from the code lists (DOMAIN R-ELIG-3)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from tilgang.engine.codelists import rows
from tilgang.institutions import services
from tilgang.institutions.models import Institution, InstitutionKind

pytestmark = pytest.mark.django_db


def test_R_ELIG_3_sync_adds_every_county_and_municipality_keyed_by_code(admin, institution_factory):
    oslo = institution_factory(
        name="Oslo kommune", orgnr="958935420", kind=InstitutionKind.PUBLIC_BODY, public_body_category="a"
    )
    preview = services.public_bodies_sync(actor=admin, apply=False)
    assert not Institution.objects.exclude(pk=oslo.pk).exists(), "a preview writes nothing"
    report = services.public_bodies_sync(actor=admin)
    municipalities, counties = len(rows("municipalities")), len(rows("counties"))
    # Oslo is both county 03 and municipality 0301, one body, matched to the existing one by name.
    assert len(report.added) == len(preview.added) == municipalities + counties - 2
    oslo.refresh_from_db()
    assert (oslo.region_code, oslo.orgnr) == ("0301", "958935420")
    bergen = Institution.objects.get(region_code="4601")
    assert (bergen.name, bergen.kind, bergen.public_body_category, bergen.orgnr) == (
        "Bergen kommune",
        "public_body",
        "a",
        "",
    )
    assert Institution.objects.get(region_code="46").name == "Vestland fylkeskommune"
    assert not Institution.objects.filter(region_code="03").exists()
    again = services.public_bodies_sync(actor=admin)
    assert (again.added, again.renamed, again.ceased) == ([], [], [])


def test_R_ELIG_3_renamed_and_vanished_codes_are_renamed_and_ceased(admin, institution_factory):
    institution_factory(
        name="Bergen bykommune",
        region_code="4601",
        kind=InstitutionKind.PUBLIC_BODY,
        public_body_category="a",
    )
    gone = institution_factory(
        name="Tysfjord kommune",
        region_code="1850",
        kind=InstitutionKind.PUBLIC_BODY,
        public_body_category="a",
    )
    report = services.public_bodies_sync(actor=admin, on=date(2026, 1, 1))
    assert "4601 Bergen bykommune → Bergen kommune" in report.renamed
    assert report.ceased == ["1850 Tysfjord kommune"]
    gone.refresh_from_db()
    assert gone.ceased_on == date(2026, 1, 1)


def test_sync_command(admin):
    call_command("institutions_sync_public_bodies")
    assert (
        Institution.objects.filter(kind=InstitutionKind.PUBLIC_BODY).count()
        == len(rows("municipalities")) + len(rows("counties")) - 1
    )
