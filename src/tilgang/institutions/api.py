from datetime import date

from django.core.exceptions import ValidationError
from ninja import Router, Schema, Status

from tilgang.core.permissions import ADMIN, SIGNED_IN, register
from tilgang.core.validators import normalise_orgnr
from tilgang.institutions.models import Institution, InstitutionKind, PublicBodyCategory
from tilgang.institutions.services import institution_save

router = Router(tags=["institutions"])


class InstitutionOut(Schema):
    id: int
    name: str
    orgnr: str
    foreign_id: str
    country: str
    kind: str
    public_body_category: str
    approved_from: date | None
    approved_to: date | None


class InstitutionIn(Schema):
    name: str
    orgnr: str = ""
    foreign_id: str = ""
    country: str = "NO"
    kind: InstitutionKind = InstitutionKind.OTHER
    public_body_category: PublicBodyCategory | None = None
    approved_from: date | None = None
    approved_to: date | None = None


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


@router.get("", response=list[InstitutionOut], url_name="institution_list")
def institution_list(request, q: str = ""):
    institutions = Institution.objects.all()
    if q:
        institutions = institutions.filter(name__icontains=q) | institutions.filter(orgnr=q)
    return list(institutions)


@router.post("/create", response={201: InstitutionOut, 400: ErrorOut}, url_name="institution_create")
def institution_create(request, payload: InstitutionIn):
    data = payload.dict()
    data["public_body_category"] = data["public_body_category"] or ""
    try:
        if data["orgnr"]:
            data["orgnr"] = normalise_orgnr(data["orgnr"])
        institution = institution_save(actor=request.user, institution=Institution(**data))
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {"orgnr": error.messages}
        return Status(400, {"detail": "; ".join(m for ms in errors.values() for m in ms), "errors": errors})
    return Status(201, institution)


register({"api:institution_list": SIGNED_IN, "api:institution_create": ADMIN})
