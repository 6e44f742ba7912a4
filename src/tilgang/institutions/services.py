from django.db import transaction

from tilgang.audit.services import audit_record
from tilgang.institutions.models import Institution


@transaction.atomic
def institution_save(*, actor, institution: Institution) -> Institution:
    created = institution.pk is None
    institution.full_clean()
    institution.save()
    audit_record(
        actor=actor,
        action="institutions.institution.created" if created else "institutions.institution.updated",
        obj=institution,
        payload={"kind": institution.kind},
    )
    return institution
