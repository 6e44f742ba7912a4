"""The pre-check: completeness and the guideline rules applied to one application.

Each finding carries the rule ID, a plain explanation in the active language and what to do. A
blocking finding stops submission (``services.case_transition`` runs this before ``submit`` and
``resubmit``). The applicant runs it at any time; staff see the same findings on the case.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tilgang.applications.models import (
    PERMIT_KINDS,
    Application,
    AttachmentKind,
    DpiaRoute,
    PopulationKind,
    StorageLocation,
)

EU_EEA = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK".split()
)
# DOMAIN R-DATA-9: what a public body may get without anonymisation when it is not linked.
POPULATION_BASICS = frozenset(
    {
        "BEFOLKNING_KJOENN",
        "BEFOLKNING_FOEDSELSAAR",
        "BEFOLKNING_KOMMNR_FAKTISK",
        "BEFOLKNING_FYLKESNR",
        "BEFOLKNING_FODELAND",
        "BEFOLKNING_DOEDSDATO",
        "BEFOLKNING_DOEDSAAR",
    }
)
HELSEDATA_URL = "https://helsedata.no/"


@dataclass(frozen=True)
class Finding:
    rule: str
    blocking: bool
    message: str
    what_to_do: str
    step: str = ""  # the application step where it is fixed

    def as_dict(self) -> dict:
        return asdict(self)


def _d(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def date_problems(app: Application) -> list[Finding]:
    """Contradictory dates; also refused when the application is saved."""
    found = []
    if app.period_start and app.period_end and app.period_end < app.period_start:
        found.append(
            Finding(
                "DATES",
                True,
                _("The processing ends before it starts."),
                _("Give an end date after the start date."),
                "period",
            )
        )
    if (
        app.retention_beyond
        and app.retention_until
        and app.period_end
        and app.retention_until <= app.period_end
    ):
        found.append(
            Finding(
                "DATES",
                True,
                _("The data are to be kept until a date that is not after the project end."),
                _("Give a date after the project end, or untick keeping the data after the project."),
                "period",
            )
        )
    if app.population_from and app.population_to and app.population_to < app.population_from:
        found.append(
            Finding(
                "DATES",
                True,
                _("The population period ends before it starts."),
                _("Give a period end after its start."),
                "population",
            )
        )
    if (
        app.population_cohort_from is not None
        and app.population_cohort_to is not None
        and app.population_cohort_to < app.population_cohort_from
    ):
        found.append(
            Finding(
                "DATES",
                True,
                _("The last birth cohort is before the first."),
                _("Give the cohorts from the earliest to the latest year."),
                "population",
            )
        )
    return found


def _missing(label: str, step: str) -> Finding:
    return Finding(
        "COMPLETE",
        True,
        _("Missing: %(item)s.") % {"item": label},
        _("Fill this in, then run the check again."),
        step,
    )


def _missing_attachment(kind: str) -> Finding:
    return Finding(
        "COMPLETE",
        True,
        _("Missing attachment: %(kind)s.") % {"kind": AttachmentKind(kind).label},
        _("Upload it under Attachments."),
        "attachments",
    )


def completeness(app: Application) -> list[Finding]:
    found: list[Finding] = []
    kinds = set(app.attachments.values_list("kind", flat=True))

    def need(value, label, step):
        if value in (None, ""):
            found.append(_missing(label, step))

    need(app.title, _("the project title"), "project")
    need(app.purpose, _("the purpose of the project"), "project")
    if app.purpose_statistical is None:
        found.append(_missing(_("whether the data are used only for statistics and research"), "project"))
    need(app.institution_id, _("the responsible institution"), "project")
    need(app.period_start, _("when the processing starts"), "period")
    need(app.period_end, _("when the processing ends"), "period")
    if app.retention_beyond:
        need(app.retention_until, _("how long the data are kept after the project"), "period")
        need(app.retention_reason, _("why the data are kept after the project"), "period")
    need(app.population_kind, _("how the population is defined"), "population")
    need(app.population_criteria, _("who belongs to the population"), "population")
    if app.population_kind == PopulationKind.AS_OF_DATE:
        need(app.population_as_of, _("the date the population is taken on"), "population")
    elif app.population_kind == PopulationKind.PERIOD:
        need(app.population_from, _("the start of the population period"), "population")
        need(app.population_to, _("the end of the population period"), "population")
    elif app.population_kind == PopulationKind.COHORTS:
        need(app.population_cohort_from, _("the first birth cohort"), "population")
        need(app.population_cohort_to, _("the last birth cohort"), "population")
    elif app.population_kind == PopulationKind.PROJECT_LIST and not app.linkage:
        found.append(
            Finding(
                "COMPLETE",
                True,
                _("A population list from the project is linked with the office's data."),
                _("Tick that the data are linked and describe the linkage."),
                "linkage",
            )
        )
    need(app.data_sources, _("the data sources and years"), "data")
    if not app.variables.exists():
        found.append(_missing(_("the variables"), "data"))
    need(app.storage_location, _("where the data are stored"), "legal")
    if app.storage_location == StorageLocation.OTHER:
        need(app.storage_details, _("how the data are stored"), "legal")
    personal = app.wants_indirectly_identifiable
    if personal:
        need(app.gdpr_art6, _("the legal basis under GDPR art. 6"), "legal")
        need(app.dpia_route, _("the data protection impact assessment, or why none is needed"), "legal")
        if app.dpia_route == DpiaRoute.DPIA and AttachmentKind.DPIA not in kinds:
            found.append(_missing_attachment(AttachmentKind.DPIA))
        if app.dpia_route in (DpiaRoute.NEGATIVE, DpiaRoute.PRE_2018):
            need(
                app.dpia_reason, _("why no DPIA is needed, or the GDPR basis of the earlier project"), "legal"
            )
        if not app.is_public_body and not kinds & set(PERMIT_KINDS):
            found.append(
                Finding(
                    "COMPLETE",
                    True,
                    _(
                        "Missing attachment: the confidentiality permit (recommendation from the data "
                        "protection officer, licence from the Data Protection Authority, or advance approval "
                        "from REC)."
                    ),
                    _("Upload it under Attachments."),
                    "attachments",
                )
            )
    if AttachmentKind.PROJECT_DESCRIPTION not in kinds:
        found.append(_missing_attachment(AttachmentKind.PROJECT_DESCRIPTION))
    if app.linkage:
        need(app.linkage_description, _("how the linkage is done"), "linkage")
    if app.third_party_data:
        need(app.third_party_owners, _("the other data owners"), "linkage")
        if AttachmentKind.EXEMPTION not in kinds:
            found.append(_missing_attachment(AttachmentKind.EXEMPTION))
    if app.own_data_by_consent and AttachmentKind.CONSENT not in kinds:
        found.append(_missing_attachment(AttachmentKind.CONSENT))
    if app.is_public_body:
        need(app.need_description, _("the need and purpose of the public body"), "project")
        if app.contractor_name:
            need(app.contractor_how, _("how the data are passed to the contractor"), "linkage")
    return found


def _eligibility_findings(app: Application, today: date) -> list[Finding]:
    """R-ELIG-*: from the institutions app's eligibility service when present, else our own checks."""
    if app.institution is None and app.funded_project is None:
        return []
    try:
        from tilgang.institutions.eligibility import eligibility
    except ImportError:
        return _own_eligibility(app, today)
    result = eligibility(
        institution=app.institution,
        on=today,
        purpose_statistical=app.purpose_statistical is not False,
        applicant_is_student=app.applicant_is_student,
        supervisor=_supervisor_affiliation(app, today),
        funded_project=app.funded_project,
        wants_indirectly_identifiable=app.wants_indirectly_identifiable,
    )
    # Statements that something is in order ("X is an approved institution") carry nothing to do.
    return [
        Finding(str(f.rule), bool(f.blocking), str(f.message), str(f.what_to_do), "project")
        for f in result.findings
        if f.blocking or f.what_to_do
    ]


def _supervisor_affiliation(app: Application, today: date):
    """The supervisor's affiliation that qualifies best on ``today`` (R-ELIG-5)."""
    if app.supervisor is None:
        return None
    from tilgang.institutions.models import Affiliation

    affiliations = list(Affiliation.objects.filter(user=app.supervisor).select_related("institution"))
    affiliations.sort(
        key=lambda a: (a.covers(today), a.has_research_qualifications, a.institution.is_approved_on(today)),
        reverse=True,
    )
    return affiliations[0] if affiliations else None


def _own_eligibility(app: Application, today: date) -> list[Finding]:
    found = []
    institution = app.institution
    assert institution is not None
    # DOMAIN R-ELIG-6
    if app.purpose_statistical is False:
        found.append(
            Finding(
                "R-ELIG-6",
                True,
                _(
                    "Data can be used only for statistical results and analyses, including research. "
                    "Administrative, legal, tax or control use, or use that affects a person's or an "
                    "enterprise's legal position, is not allowed."
                ),
                _(
                    "If the project is statistical, say so and describe the purpose; otherwise the "
                    "office cannot give access."
                ),
                "project",
            )
        )
    # DOMAIN R-ELIG-1, R-ELIG-3, R-ELIG-4
    approved = institution.is_approved_on(today) or institution.kind == "public_body"
    funded = app.funded_project is not None and app.funded_project.covers(today)
    if not approved and not funded:
        found.append(
            Finding(
                "R-ELIG-1",
                True,
                _("%(institution)s is not an approved research institution on %(day)s.")
                % {"institution": institution.name, "day": _d(today)},
                _(
                    "Apply through an approved institution, through a funded project, or ask the office "
                    "to approve the institution."
                ),
                "project",
            )
        )
    # DOMAIN R-ELIG-5
    if app.applicant_is_student:
        qualified = False
        if app.supervisor is not None:
            from tilgang.institutions.models import Affiliation

            for affiliation in Affiliation.objects.filter(
                user=app.supervisor, has_research_qualifications=True
            ).select_related("institution"):
                if affiliation.covers(today) and affiliation.institution.is_approved_on(today):
                    qualified = True
        if not qualified:
            found.append(
                Finding(
                    "R-ELIG-5",
                    True,
                    _(
                        "A master or PhD student can apply only when the supervisor has research "
                        "qualifications at an approved institution, and no such supervisor is registered."
                    ),
                    _(
                        "Name your supervisor; the supervisor's position at an approved institution must be "
                        "registered with research qualifications."
                    ),
                    "project",
                )
            )
    # DOMAIN R-ELIG-7
    if institution.country != "NO" and app.wants_indirectly_identifiable:
        exceptional = institution.public_body_category in ("d", "e") or (
            institution.country in EU_EEA
            and institution.is_research_kind
            and institution.is_approved_on(today)
        )
        if exceptional:
            found.append(
                Finding(
                    "R-ELIG-7",
                    False,
                    _(
                        "Institutions abroad get as a rule only anonymous data. Indirectly identifiable data "
                        "can be given only exceptionally, under a special agreement with Norwegian law and "
                        "venue."
                    ),
                    _(
                        "Explain why anonymous data are not enough; the case officer will propose the "
                        "special agreement."
                    ),
                    "data",
                )
            )
        else:
            found.append(
                Finding(
                    "R-ELIG-7",
                    True,
                    _("Institutions outside the EU/EEA get only anonymous data."),
                    _(
                        "Ask for anonymous data, or join a project at a Norwegian institution and get access "
                        "through it."
                    ),
                    "data",
                )
            )
    return found


def data_rules(app: Application, today: date) -> list[Finding]:
    found: list[Finding] = []
    chosen = list(app.variables.select_related("variable__register"))
    health, special, unjustified = [], [], []
    for selected in chosen:
        variable = selected.variable
        # DOMAIN R-DATA-1
        if variable.register.source_kind == "health_register":
            health.append(variable.name)
        # DOMAIN R-DATA-2
        for coverage in variable.coverage.all():
            if selected.years and coverage.year not in selected.years:
                continue
            if coverage.embargoed(today):
                published = coverage.publication_date
                assert published is not None
                found.append(
                    Finding(
                        "R-DATA-2",
                        True,
                        _(
                            "%(variable)s for %(year)s feeds an official statistic that is published on "
                            "%(day)s; there is no access before that."
                        )
                        % {"variable": variable.name, "year": coverage.year, "day": _d(published)},
                        _("Remove the year %(year)s, or wait until %(day)s.")
                        % {"year": coverage.year, "day": _d(published)},
                        "data",
                    )
                )
        if variable.sensitivity:
            special.append(variable.name)
        # The application must justify each especially identifying variable (001 §5, R-DATA-6).
        if variable.identifying and not selected.justification.strip():
            unjustified.append(variable.name)
    if health:
        found.append(
            Finding(
                "R-DATA-1",
                True,
                _("The office gives no access to data from the central health registers: %(names)s.")
                % {"names": ", ".join(health)},
                _(
                    "Apply for health data at %(url)s; they can be linked with the office's data that way. "
                    "Remove these variables here."
                )
                % {"url": HELSEDATA_URL},
                "data",
            )
        )
    # DOMAIN R-DATA-3: special categories need a basis under art. 9 (art. 10 for criminal offences).
    if special and not app.gdpr_art9:
        found.append(
            Finding(
                "R-DATA-3",
                True,
                _(
                    "These variables are special categories of personal data: %(names)s. The application "
                    "gives no legal basis under GDPR art. 9."
                )
                % {"names": ", ".join(special)},
                _(
                    "Give the art. 9 basis (for criminal offences also the art. 10 basis) in the legal "
                    "basis step, or remove the variables."
                ),
                "legal",
            )
        )
    if unjustified:
        found.append(
            Finding(
                "R-DATA-6",
                True,
                _("These variables are especially identifying and need a justification: %(names)s.")
                % {"names": ", ".join(unjustified)},
                _("Explain for each why the project needs it, or choose a less detailed variable."),
                "data",
            )
        )
    # DOMAIN R-DATA-9
    if app.is_public_body and app.wants_indirectly_identifiable and not app.safeguards_account.strip():
        beyond = [s.variable.name for s in chosen if s.variable.name not in POPULATION_BASICS]
        if app.linkage or app.third_party_data or beyond:
            found.append(
                Finding(
                    "R-DATA-9",
                    True,
                    _(
                        "A public body gets anonymous data as a rule. Non-anonymous data beyond sex, age, "
                        "residence, country of birth and date of death, or linked data, need an account of "
                        "how use for other than statistical purposes is prevented."
                    ),
                    _(
                        "Describe the safeguards against administrative, control or other non-statistical "
                        "use, or ask for anonymous data."
                    ),
                    "linkage",
                )
            )
    # DOMAIN R-DATA-5
    if app.is_public_body and app.wants_indirectly_identifiable:
        surveys = [s.variable.name for s in chosen if s.variable.register.source_kind == "survey"]
        if surveys:
            found.append(
                Finding(
                    "R-DATA-5",
                    False,
                    _("Survey data (%(names)s) go to public bodies only when sufficiently anonymised.")
                    % {"names": ", ".join(surveys)},
                    _("Expect these to be delivered anonymised, or remove them."),
                    "data",
                )
            )
    # DOMAIN R-CASE-9: the same dataset may be reused only by a project that does not overlap in time.
    earlier = app.reuse_of
    if earlier is not None:
        if earlier.delivered_at is None:
            found.append(
                Finding(
                    "R-CASE-9",
                    True,
                    _("Case %(number)s has no delivered dataset to reuse.") % {"number": earlier.case_number},
                    _("Give the case number of a project that has received its data."),
                    "data",
                )
            )
        elif app.period_start and earlier.period_end and app.period_start <= earlier.period_end:
            found.append(
                Finding(
                    "R-CASE-9",
                    True,
                    _(
                        "The dataset of %(number)s can be reused only by a project that starts after that "
                        "project ends (%(day)s)."
                    )
                    % {"number": earlier.case_number, "day": _d(earlier.period_end)},
                    _("Start the processing after %(day)s, or apply for a new extraction.")
                    % {"day": _d(earlier.period_end)},
                    "period",
                )
            )
    # DOMAIN R-PSEUDO-3
    if app.linkage and app.institution_owns_linked_data and not app.key_handling_separate:
        found.append(
            Finding(
                "R-PSEUDO-3",
                False,
                _(
                    "Your institution owns data that are to be linked, so the linkage cannot be distributed "
                    "with a linkage key."
                ),
                _(
                    "Send your data to the office for linkage when the case officer asks, or show that an "
                    "independent unit handles the keys."
                ),
                "linkage",
            )
        )
    return found


def precheck(app: Application, *, today: date | None = None) -> list[Finding]:
    today = today or timezone.localdate()
    findings = (
        date_problems(app) + completeness(app) + _eligibility_findings(app, today) + data_rules(app, today)
    )
    return sorted(findings, key=lambda f: (not f.blocking, f.rule))


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.blocking]
