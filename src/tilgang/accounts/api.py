from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from tilgang.accounts import services
from tilgang.accounts.models import Language
from tilgang.core.permissions import SIGNED_IN, STAFF, register
from tilgang.core.roles import Role

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    language: str
    roles: list[str]
    institution_id: int | None
    has_mobile: bool
    has_second_factor: bool


class InvitationIn(Schema):
    email: str
    full_name: str
    language: Language = Language.NB
    roles: list[Role] = []
    institution_id: int | None = None


class InvitationOut(Schema):
    id: int
    email: str
    expires_at: str


class ErrorOut(Schema):
    detail: str


@router.get("/me", response=MeOut, url_name="me")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "roles": sorted(user.role_set),
        "institution_id": user.institution_id,
        "has_mobile": bool(user.mobile),
        "has_second_factor": user.has_totp,
    }


@router.post(
    "/invitations/create", response={201: InvitationOut, 400: ErrorOut}, url_name="invitation_create"
)
def invitation_create(request, payload: InvitationIn):
    from tilgang.institutions.models import Institution

    institution = None
    if payload.institution_id is not None:
        institution = Institution.objects.filter(pk=payload.institution_id).first()
        if institution is None:
            return Status(400, {"detail": _("Unknown institution.")})
    try:
        invitation = services.invitation_create(
            invited_by=request.user,
            email=payload.email,
            full_name=payload.full_name,
            language=payload.language,
            roles=[str(role) for role in payload.roles],
            institution=institution,
        )
    except services.AccountError as error:
        return Status(400, {"detail": str(error)})
    return Status(
        201, {"id": invitation.pk, "email": invitation.email, "expires_at": invitation.expires_at.isoformat()}
    )


register({"api:me": SIGNED_IN, "api:invitation_create": STAFF})
