"""Demo data: real institutions (public facts) and one user per role, so a newcomer can look around.

Idempotent: running it again changes nothing that exists. Demo mode only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyotp
from django.db import transaction

from tilgang.accounts.models import RoleGrant, TotpDevice, User
from tilgang.audit.services import audit_record
from tilgang.core.crypto import seal
from tilgang.core.roles import Role
from tilgang.institutions.models import Institution, InstitutionKind, PublicBodyCategory

DEMO_PASSWORD = "demo-passord-for-alle"  # noqa: S105 (demo accounts only, printed by make demo)
# A fixed authenticator key for the demo staff, so the sign-in page can show the current code.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

INSTITUTIONS = [
    # name, orgnr, country, kind, public body category, approved from
    ("Universitetet i Oslo", "971035854", "NO", InstitutionKind.RESEARCH_NFR, "", date(2004, 1, 1)),
    ("Universitetet i Bergen", "874789542", "NO", InstitutionKind.RESEARCH_NFR, "", date(2004, 1, 1)),
    (
        "Norges teknisk-naturvitenskapelige universitet NTNU",
        "974767880",
        "NO",
        InstitutionKind.RESEARCH_NFR,
        "",
        date(2004, 1, 1),
    ),
    (
        "UiT Norges arktiske universitet",
        "970422528",
        "NO",
        InstitutionKind.RESEARCH_NFR,
        "",
        date(2004, 1, 1),
    ),
    ("Folkehelseinstituttet", "983744516", "NO", InstitutionKind.RESEARCH_NFR, "", date(2004, 1, 1)),
    (
        "Arbeids- og velferdsdirektoratet",
        "889640782",
        "NO",
        InstitutionKind.PUBLIC_BODY,
        PublicBodyCategory.A,
        None,
    ),
    ("Oslo kommune", "958935420", "NO", InstitutionKind.PUBLIC_BODY, PublicBodyCategory.A, None),
    ("Norges Bank", "937884117", "NO", InstitutionKind.PUBLIC_BODY, PublicBodyCategory.B, None),
    ("Riksrevisjonen", "974760843", "NO", InstitutionKind.PUBLIC_BODY, PublicBodyCategory.C, None),
]
FOREIGN_INSTITUTIONS = [
    # name, foreign id, country, kind, category
    ("Statistiska centralbyrån", "SE-SCB", "SE", InstitutionKind.PUBLIC_BODY, PublicBodyCategory.D),
    ("OECD", "INT-OECD", "FR", InstitutionKind.PUBLIC_BODY, PublicBodyCategory.E),
]


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    roles: tuple[str, ...]
    institution_orgnr: str | None
    language: str = "nb"


DEMO_USERS = [
    DemoUser("admin@tilgang.example", "Ada Administrator", (Role.ADMINISTRATOR,), None),
    DemoUser("jurist@tilgang.example", "Jon Jurist", (Role.LEGAL_REVIEWER,), None),
    DemoUser("saksbehandler@tilgang.example", "Siri Saksbehandler", (Role.CASE_OFFICER,), None),
    DemoUser(
        "seksjonsleder@tilgang.example",
        "Sverre Seksjonsleder",
        (Role.HEAD_OF_SECTION, Role.CASE_OFFICER),
        None,
    ),
    DemoUser("info@tilgang.example", "Ingrid Informasjon", (Role.INFORMATION_SERVICE,), None),
    DemoUser("forsker@uio.example", "Frida Forsker", (Role.APPLICANT,), "971035854"),
    DemoUser("deltaker@uio.example", "Per Prosjektdeltaker", (Role.PROJECT_MEMBER,), "971035854", "nn"),
    DemoUser("leder@uio.example", "Liv Leder", (Role.SIGNATORY,), "971035854"),
    DemoUser("analytiker@nav.example", "Nils Analytiker", (Role.APPLICANT,), "889640782", "en"),
]


@transaction.atomic
def demo_seed() -> list[DemoUser]:
    for name, orgnr, country, kind, category, approved_from in INSTITUTIONS:
        institution, created = Institution.objects.get_or_create(
            orgnr=orgnr,
            defaults={
                "name": name,
                "country": country,
                "kind": kind,
                "public_body_category": category,
                "approved_from": approved_from,
            },
        )
        if created:
            audit_record(
                actor=None, action="institutions.institution.created", obj=institution, payload={"kind": kind}
            )
    for name, foreign_id, country, kind, category in FOREIGN_INSTITUTIONS:
        foreign, created = Institution.objects.get_or_create(
            foreign_id=foreign_id,
            defaults={"name": name, "country": country, "kind": kind, "public_body_category": category},
        )
        if created:
            audit_record(
                actor=None, action="institutions.institution.created", obj=foreign, payload={"kind": kind}
            )
    for demo in DEMO_USERS:
        if User.objects.filter(email=demo.email).exists():
            continue
        home = (
            Institution.objects.filter(orgnr=demo.institution_orgnr).first()
            if demo.institution_orgnr
            else None
        )
        user = User.objects.create_user(
            email=demo.email,
            password=DEMO_PASSWORD,
            full_name=demo.full_name,
            language=demo.language,
            institution=home,
            mobile="+4799999999" if Role.APPLICANT in demo.roles else "",
        )
        for role in demo.roles:
            RoleGrant.objects.create(user=user, role=role)
        if user.is_staff_member:
            TotpDevice.objects.create(
                user=user, secret_encrypted=seal(DEMO_TOTP_SECRET, purpose="totp"), confirmed=True
            )
        audit_record(
            actor=None,
            action="accounts.user.created",
            obj=user,
            payload={"roles": list(demo.roles), "demo": True},
        )
    return DEMO_USERS


def demo_totp_code() -> str:
    return pyotp.TOTP(DEMO_TOTP_SECRET).now()
