"""May this applicant apply? One question for the applications app (DOMAIN R-ELIG-1…7).

``eligibility(...)`` writes nothing and decides from the objects it is given (their approval history is
read, not changed). It returns every finding with the rule behind it, blocking or not, each with a
translated message and what the applicant can do; ``may_apply`` is true when nothing blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from tilgang.institutions.models import (
    RESEARCH_KINDS,
    Affiliation,
    FundedProject,
    FundingKind,
    Institution,
    InstitutionKind,
    PublicBodyCategory,
)

# EU member states and the other EEA states (Iceland, Liechtenstein, Norway). DOMAIN R-ELIG-7
EU_EEA = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)


@dataclass(frozen=True)
class Finding:
    rule: str
    blocking: bool
    message: str
    what_to_do: str = ""


@dataclass(frozen=True)
class EligibilityResult:
    may_apply: bool
    findings: list[Finding] = field(default_factory=list)
    route: str = ""  # approved_institution, public_body, funded_project, student, "" when none

    def by_rule(self, rule: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.rule == rule]

    @property
    def blocking(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.blocking]


@dataclass(frozen=True)
class ApprovalFact:
    approved: bool
    source_label: str = ""
    rule: str = "R-ELIG-1"
    valid_from: date | None = None
    valid_to: date | None = None
    expired_on: date | None = None  # the last day of an approval that has run out


def approval_fact(institution: Institution, on: date) -> ApprovalFact:
    """Whether a research approval is in force on ``on``, from whom, and when the last one ended."""
    if institution.ceased_on and on >= institution.ceased_on:
        return ApprovalFact(approved=False)
    approvals = list(institution.approvals.all())
    if not approvals:
        # Institutions recorded before the approval history: the summary fields speak.
        if institution.kind in RESEARCH_KINDS and institution.is_approved_on(on):
            rule = "R-ELIG-2" if institution.kind == InstitutionKind.RESEARCH_OFFICE else "R-ELIG-1"
            return ApprovalFact(
                True,
                str(institution.get_kind_display()),
                rule,
                institution.approved_from,
                institution.approved_to,
            )
        expired = (
            institution.approved_to if institution.approved_to and institution.approved_to < on else None
        )
        return ApprovalFact(
            approved=False, expired_on=expired if institution.kind in RESEARCH_KINDS else None
        )
    current = institution.approval_on(on)
    if current is not None:
        rule = "R-ELIG-2" if current.source == "office" else "R-ELIG-1"
        return ApprovalFact(
            True, str(current.get_source_display()), rule, current.valid_from, current.valid_to
        )
    ended = [a.valid_to for a in approvals if a.valid_to is not None and a.valid_to < on]
    return ApprovalFact(approved=False, expired_on=max(ended) if ended else None)


def _purpose(findings: list[Finding], purpose_statistical: bool) -> None:
    # DOMAIN R-ELIG-6
    if not purpose_statistical:
        findings.append(
            Finding(
                "R-ELIG-6",
                True,
                _(
                    "Data can only be used for statistical results and analyses, including research. Administrative, legal, tax or control use, or use that affects the legal position of a person or an enterprise, is forbidden."
                ),
                _(
                    "Describe a statistical or research purpose. If the data are meant for case work or control, the service cannot provide them."
                ),
            )
        )


def _funded_project(project: FundedProject | None, on: date) -> Finding | None:
    # DOMAIN R-ELIG-4
    if project is None:
        return None
    if not project.covers(on):
        return Finding(
            "R-ELIG-4",
            True,
            _("The project %(title)s runs from %(start)s to %(end)s and gives no access on %(day)s.")
            % {"title": project.title, "start": project.valid_from, "end": project.valid_to, "day": on},
            _("Apply within the project period, or register the extended period of the project."),
        )
    if project.funding_kind == FundingKind.PUBLIC_COMMISSION:
        body = project.commissioning_body
        if body is None or body.kind != InstitutionKind.PUBLIC_BODY or not project.standard_agreement:
            return Finding(
                "R-ELIG-4",
                True,
                _(
                    "A commissioned project gives access only when a public body commissioned it under the standard research agreement."
                ),
                _(
                    "Attach the contract with the public body on the standard research agreement, or apply through an approved institution."
                ),
            )
    if project.verified_at is None:
        return Finding(
            "R-ELIG-4",
            False,
            _(
                "The project %(title)s (%(funding)s) can give access without an approved institution; its funding has not been checked yet."
            )
            % {"title": project.title, "funding": project.get_funding_kind_display()},
            _("Attach the grant letter or contract; the legal reviewer checks it."),
        )
    return Finding(
        "R-ELIG-4",
        False,
        _("The project %(title)s (%(funding)s) gives access without an approved institution.")
        % {"title": project.title, "funding": project.get_funding_kind_display()},
    )


def _student(findings: list[Finding], supervisor: Affiliation | None, on: date) -> bool:
    # DOMAIN R-ELIG-5
    what = _(
        "Name a supervisor who holds research qualifications at an approved research institution, and make sure their affiliation is registered."
    )
    if supervisor is None:
        findings.append(
            Finding(
                "R-ELIG-5",
                True,
                _("A master or PhD student applies through a supervisor, and none is named."),
                what,
            )
        )
        return False
    if not supervisor.covers(on):
        findings.append(
            Finding(
                "R-ELIG-5",
                True,
                _("The supervisor's affiliation is not valid on %(day)s.") % {"day": on},
                what,
            )
        )
        return False
    if not supervisor.has_research_qualifications:
        findings.append(
            Finding(
                "R-ELIG-5", True, _("The supervisor is not registered with research qualifications."), what
            )
        )
        return False
    fact = approval_fact(supervisor.institution, on)
    if not fact.approved:
        findings.append(
            Finding(
                "R-ELIG-5",
                True,
                _(
                    "The supervisor's institution, %(name)s, is not an approved research institution on %(day)s."
                )
                % {"name": supervisor.institution.name, "day": on},
                what,
            )
        )
        return False
    findings.append(
        Finding(
            "R-ELIG-5",
            False,
            _(
                "The student may apply: the supervisor holds research qualifications at %(name)s, approved by %(source)s."
            )
            % {"name": supervisor.institution.name, "source": fact.source_label},
        )
    )
    return True


def _abroad(
    findings: list[Finding], institution: Institution | None, approved_research: bool, wants: bool
) -> None:
    # DOMAIN R-ELIG-7
    if institution is None or institution.country == "NO":
        return
    special = institution.kind == InstitutionKind.PUBLIC_BODY and institution.public_body_category in (
        PublicBodyCategory.D,
        PublicBodyCategory.E,
    )
    eu_eea = approved_research and institution.country in EU_EEA
    if not wants:
        findings.append(
            Finding("R-ELIG-7", False, _("Outside Norway, anonymised data can be given as a rule."))
        )
    elif special or eu_eea:
        findings.append(
            Finding(
                "R-ELIG-7",
                False,
                _(
                    "Outside Norway, indirectly identifiable data are given only exceptionally, after an overall assessment, under a special agreement with Norwegian law and Norwegian venue."
                ),
                _(
                    "Describe the safeguards for processing the data outside Norway; the office drafts the special agreement."
                ),
            )
        )
    else:
        findings.append(
            Finding(
                "R-ELIG-7",
                True,
                _(
                    "Outside Norway only anonymised data can be given, except to approved research institutions in the EU/EEA and to foreign statistics authorities and international organisations."
                ),
                _(
                    "Apply for anonymised data only, or join a Norwegian project and work with the data at the Norwegian institution."
                ),
            )
        )


def eligibility(
    *,
    institution: Institution | None,
    on: date,
    purpose_statistical: bool,
    applicant_is_student: bool = False,
    supervisor: Affiliation | None = None,
    funded_project: FundedProject | None = None,
    wants_indirectly_identifiable: bool = True,
) -> EligibilityResult:
    findings: list[Finding] = []
    _purpose(findings, purpose_statistical)
    route = ""
    approved_research = False
    project_finding = _funded_project(funded_project, on)
    responsible = institution or (funded_project.institution if funded_project else None)
    if responsible is None and supervisor is not None and applicant_is_student:
        responsible = supervisor.institution

    if applicant_is_student:
        if _student(findings, supervisor, on):
            route, approved_research = "student", True
    elif institution is not None and institution.ceased_on and on >= institution.ceased_on:
        findings.append(
            Finding(
                "R-ELIG-3" if institution.kind == InstitutionKind.PUBLIC_BODY else "R-ELIG-1",
                True,
                _("%(name)s ceased to exist on %(day)s.")
                % {"name": institution.name, "day": institution.ceased_on},
                _("Apply through the body that took over its tasks."),
            )
        )
    else:
        fact = approval_fact(institution, on) if institution is not None else ApprovalFact(False)
        is_public = institution is not None and institution.kind == InstitutionKind.PUBLIC_BODY
        if fact.approved and institution is not None:
            # DOMAIN R-ELIG-1 (NFR, Eurostat), R-ELIG-2 (the office)
            route, approved_research = "approved_institution", True
            values = {
                "name": institution.name,
                "source": fact.source_label,
                "start": fact.valid_from,
                "end": fact.valid_to,
            }
            message = (
                _("%(name)s is an approved research institution (%(source)s) from %(start)s to %(end)s.")
                if fact.valid_to
                else _("%(name)s is an approved research institution (%(source)s) since %(start)s.")
            )
            findings.append(Finding(fact.rule, False, message % values))
        if is_public and institution is not None:
            # DOMAIN R-ELIG-3
            if institution.public_body_category in PublicBodyCategory.values:
                route = route or "public_body"
                findings.append(
                    Finding(
                        "R-ELIG-3",
                        False,
                        _(
                            "%(name)s is a public body (%(category)s) and may get data for statistical results and analyses."
                        )
                        % {
                            "name": institution.name,
                            "category": institution.get_public_body_category_display(),
                        },
                    )
                )
            elif not route:
                findings.append(
                    Finding(
                        "R-ELIG-3",
                        True,
                        _("%(name)s is registered as a public body without a category a–e.")
                        % {"name": institution.name},
                        _("Ask the office to register which category (a–e) the body belongs to."),
                    )
                )
        if not route:
            if project_finding is not None:
                findings.append(project_finding)
                if not project_finding.blocking:
                    route = "funded_project"
            elif not is_public:
                findings.append(_not_approved(institution, fact, on))
    _abroad(
        findings, responsible, approved_research or route == "funded_project", wants_indirectly_identifiable
    )
    may_apply = bool(route) and not any(finding.blocking for finding in findings)
    return EligibilityResult(may_apply=may_apply, findings=findings, route=route if may_apply else "")


def _not_approved(institution: Institution | None, fact: ApprovalFact, on: date) -> Finding:
    alternative = _(
        "Without an approved institution, a project funded by the Research Council of Norway or another research programme, or commissioned by a public body under the standard research agreement, may apply."
    )
    if institution is None:
        return Finding(
            "R-ELIG-1",
            True,
            _("No institution is given, and no funded project."),
            _("Apply through an approved research institution or a public body.") + " " + alternative,
        )
    if fact.expired_on is not None:
        return Finding(
            "R-ELIG-1",
            True,
            _("The approval of %(name)s as a research institution expired on %(day)s.")
            % {"name": institution.name, "day": fact.expired_on},
            _(
                "The institution must be approved again: by the Research Council of Norway, Eurostat, or the office."
            )
            + " "
            + alternative,
        )
    return Finding(
        "R-ELIG-2",
        True,
        _(
            "%(name)s is not on the list of the Research Council of Norway or Eurostat, and is not approved by the office."
        )
        % {"name": institution.name},
        _(
            "The organisation can ask the office to approve it as a research institution, with its statutes, last annual report, company certificate and an account of its research."
        )
        + " "
        + alternative,
    )
