"""The roles of the service. Staff roles are global; project roles are held per application."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Global staff roles (DOMAIN "Actors").
    LEGAL_REVIEWER = "legal_reviewer", _("Legal reviewer")
    CASE_OFFICER = "case_officer", _("Case officer")
    HEAD_OF_SECTION = "head_of_section", _("Head of section")
    INFORMATION_SERVICE = "information_service", _("Information service")
    ADMINISTRATOR = "administrator", _("Administrator")
    # Project roles, held per application; a user with none of the staff roles is an external user.
    APPLICANT = "applicant", _("Applicant / project leader")
    PROJECT_MEMBER = "project_member", _("Project member")
    SIGNATORY = "signatory", _("Signatory")


STAFF_ROLES = frozenset(
    {
        Role.LEGAL_REVIEWER,
        Role.CASE_OFFICER,
        Role.HEAD_OF_SECTION,
        Role.INFORMATION_SERVICE,
        Role.ADMINISTRATOR,
    }
)
PROJECT_ROLES = frozenset({Role.APPLICANT, Role.PROJECT_MEMBER, Role.SIGNATORY})
