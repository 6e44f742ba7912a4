"""The API twin of every information-service action; the same services as the portal."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from tilgang.accounts.models import Language, User
from tilgang.core.middleware import client_ip
from tilgang.core.permissions import PUBLIC, STAFF, only, register
from tilgang.core.roles import Role
from tilgang.inquiries import selectors, services
from tilgang.inquiries.models import (
    Channel,
    CoerciveFine,
    InnsynRequest,
    Inquiry,
    JournalEntry,
    Rejection,
    Respondent,
    Section,
    Survey,
    Topic,
)

router = Router(tags=["inquiries"])


class ErrorOut(Schema):
    detail: str


class CountOut(Schema):
    count: int


class OkOut(Schema):
    ok: bool = True


# --- schemas --------------------------------------------------------------------------------------


class QuestionIn(Schema):
    name: str
    email: str
    phone: str = ""
    topic: Topic = Topic.STATISTICS
    text: str
    survey_code: str = ""


class ReceiptOut(Schema):
    reference: str
    due_at: datetime
    language: str


class InboundOut(Schema):
    reference: str | None
    threaded: bool
    rejected: bool
    reason: str | None = None


class InquiryOut(Schema):
    reference: str
    channel: str
    topic: str
    status: str
    name: str
    email: str
    subject: str
    language_guess: str
    language_scores: dict
    language: str
    section: str | None
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None
    clock: str


class MessageOut(Schema):
    kind: str
    incoming: bool
    body: str
    language: str
    created_at: datetime
    attachments: list[str]


class InquiryDetailOut(InquiryOut):
    messages: list[MessageOut]


class AnswerIn(Schema):
    body: str


class PhoneAnswerIn(Schema):
    body: str
    given_at: datetime | None = None  # default now


class PhoneInquiryIn(Schema):
    name: str
    phone: str
    email: str = ""  # without one, the answer is given by phone
    topic: Topic = Topic.STATISTICS
    text: str
    received_at: datetime | None = None  # default now


class LanguageIn(Schema):
    language: Language


class ForwardIn(Schema):
    section_code: str
    note: str = ""


class CloseIn(Schema):
    reason: str


class RejectionOut(Schema):
    id: int
    channel: str
    reason: str
    sender: str
    subject: str
    size: int
    received_at: datetime
    released_at: datetime | None
    inquiry_reference: str | None


class WeekOut(Schema):
    week: str
    answered: int
    answered_in_time: int
    median_working_hours: float | None


class BacklogOut(Schema):
    section: str
    open: int
    overdue: int


class FiguresOut(Schema):
    weeks: list[WeekOut]
    median_working_hours: float | None
    backlog: list[BacklogOut]


class SectionIn(Schema):
    code: str
    name: str
    email: str
    member_emails: list[str] = []


class SectionOut(Schema):
    code: str
    name: str
    email: str


class StandardAnswerVersionIn(Schema):
    language: Language
    title: str
    body: str


class StandardAnswerIn(Schema):
    key: str
    topic: Topic = Topic.OTHER
    versions: list[StandardAnswerVersionIn]


class StandardAnswerUpdateIn(Schema):
    """Only the versions given change (or are added); the topic stays unless given."""

    topic: Topic | None = None
    versions: list[StandardAnswerVersionIn] = []


class StandardAnswerVersionOut(Schema):
    language: str
    title: str
    body: str
    updated_at: datetime


class StandardAnswerOut(Schema):
    key: str
    topic: str
    retired: bool
    missing_languages: list[str]
    versions: list[StandardAnswerVersionOut]


class JournalOut(Schema):
    id: int
    journal_date: date
    document_number: str
    doc_type: str
    title: str
    party: str
    document_date: date
    screened: bool
    legal_reference: str


class JournalIn(Schema):
    case_number: str = ""
    doc_type: str
    title: str
    party: str = ""
    party_is_person: bool = False
    personal_names: list[str] = []
    document_date: date
    screened: bool = False
    legal_reference: str = ""


class InnsynIn(Schema):
    document_number: str
    email: str
    name: str = ""
    message: str = ""
    language: Language = Language.NB


class InnsynReceiptOut(Schema):
    reference: str
    due_at: datetime


class InnsynOut(Schema):
    reference: str
    document_number: str
    status: str
    received_at: datetime
    due_at: datetime
    decided_at: datetime | None
    legal_reference: str
    appealed_at: datetime | None
    clock: str


class RefuseIn(Schema):
    legal_reference: str
    explanation: str = ""


class AppealIn(Schema):
    token: str
    text: str


class SurveyIn(Schema):
    code: str
    name: str
    what_to_report: str
    how_to_report: str
    deadline: date
    contact_name: str
    contact_email: str
    contact_phone: str = ""
    obligatory: bool = False
    legal_reference: str = ""
    fine_legal_reference: str = ""


class SurveyOut(Schema):
    id: int
    code: str
    name: str
    deadline: date
    obligatory: bool
    respondents: int
    reported: int


class RespondentIn(Schema):
    name: str
    reporting_for: str
    email: str
    identifier: str = ""
    language: Language = Language.NB


class RespondentOut(Schema):
    id: int
    name: str
    reporting_for: str
    letter_sent_at: datetime | None
    reported_at: datetime | None
    reminder_count: int


class FineIn(Schema):
    amount_per_day: int
    from_date: date


class FineOut(Schema):
    id: int
    respondent_id: int
    amount_per_day: int
    from_date: date
    status: str


# --- helpers --------------------------------------------------------------------------------------


def _error(code: int, error: Exception | str) -> Status:
    return Status(code, {"detail": str(error)})


def _inquiry_out(inquiry: Inquiry) -> dict:
    return {
        "reference": inquiry.reference,
        "channel": inquiry.channel,
        "topic": inquiry.topic,
        "status": inquiry.status,
        "name": inquiry.name,
        "email": inquiry.email,
        "subject": inquiry.subject,
        "language_guess": inquiry.language_guess,
        "language_scores": inquiry.language_scores,
        "language": inquiry.language,
        "section": inquiry.section.code if inquiry.section_id and inquiry.section else None,
        "received_at": inquiry.received_at,
        "due_at": inquiry.due_at,
        "answered_at": inquiry.answered_at,
        "clock": str(selectors.clock_state(inquiry)),
    }


def _visible(request, reference: str) -> Inquiry | None:
    return selectors.inquiries_visible_to(request.user).filter(reference=reference).first()


def _not_found() -> Status:
    return _error(404, _("Not found."))


# --- inquiries ------------------------------------------------------------------------------------


@router.post(
    "/questions/submit",
    response={201: ReceiptOut, 400: ErrorOut, 429: ErrorOut},
    url_name="inquiry_submit",
    auth=None,
)
def question_submit(request, payload: QuestionIn):
    survey = None
    if payload.survey_code:
        survey = Survey.objects.filter(code=payload.survey_code).first()
        if survey is None:
            return _error(400, _("Unknown survey."))
    try:
        inquiry = services.inquiry_submit_public(
            channel=Channel.API,
            ip=client_ip(request),
            name=payload.name,
            email=payload.email,
            phone=payload.phone,
            topic=str(payload.topic),
            text=payload.text,
            survey=survey,
        )
    except services.Rejected as error:
        return _error(429, error)
    except services.InquiryError as error:
        return _error(400, error)
    return Status(
        201, {"reference": inquiry.reference, "due_at": inquiry.due_at, "language": inquiry.language}
    )


@router.post("/inbound-email", response={200: InboundOut}, url_name="inquiry_inbound_email")
def inbound_email(request):
    """The raw RFC 5322 message as the request body (``Content-Type: message/rfc822``)."""
    result = services.inquiry_receive_email(raw=request.body, actor=request.user)
    return {
        "reference": result.inquiry.reference if result.inquiry else None,
        "threaded": result.threaded,
        "rejected": result.rejection is not None,
        "reason": result.rejection.reason if result.rejection else None,
    }


@router.get("/queue", response=list[InquiryOut], url_name="inquiry_queue")
def inquiry_queue(request, status: str = "open"):
    inquiries = selectors.inquiries_visible_to(request.user)
    if status == "open":
        inquiries = inquiries.filter(status__in=["open", "forwarded"])
    elif status:
        inquiries = inquiries.filter(status=status)
    return [_inquiry_out(inquiry) for inquiry in inquiries[:500]]


@router.get("/items/{reference}", response={200: InquiryDetailOut, 404: ErrorOut}, url_name="inquiry_detail")
def inquiry_detail(request, reference: str):
    inquiry = _visible(request, reference)
    if inquiry is None:
        return _not_found()
    out = _inquiry_out(inquiry)
    out["messages"] = [
        {
            "kind": message.kind,
            "incoming": message.incoming,
            "body": message.body,
            "language": message.language,
            "created_at": message.created_at,
            "attachments": [item.filename for item in message.attachments.all()],
        }
        for message in inquiry.messages.prefetch_related("attachments")
    ]
    return out


def _inquiry_action(request, reference: str, action) -> Status:
    inquiry = _visible(request, reference)
    if inquiry is None:
        return _not_found()
    try:
        action(inquiry)
    except services.InquiryError as error:
        return _error(400, error)
    inquiry.refresh_from_db()
    return Status(200, _inquiry_out(inquiry))


@router.post(
    "/items/{reference}/answer",
    response={200: InquiryOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_answer",
)
def inquiry_answer(request, reference: str, payload: AnswerIn):
    return _inquiry_action(
        request,
        reference,
        lambda inquiry: services.inquiry_answer(actor=request.user, inquiry=inquiry, body=payload.body),
    )


@router.post(
    "/items/{reference}/answer-by-phone",
    response={200: InquiryOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_answer_phone",
)
def inquiry_answer_phone(request, reference: str, payload: PhoneAnswerIn):
    """Record the answer given by phone: nothing is e-mailed, and the clock stops at ``given_at``."""
    return _inquiry_action(
        request,
        reference,
        lambda inquiry: services.inquiry_answer_by_phone(
            actor=request.user, inquiry=inquiry, body=payload.body, given_at=payload.given_at
        ),
    )


@router.post(
    "/phone/register",
    response={201: InquiryOut, 400: ErrorOut},
    url_name="inquiry_phone_register",
)
def phone_register(request, payload: PhoneInquiryIn):
    """A question received by phone; the clock starts at ``received_at``."""
    try:
        inquiry = services.inquiry_register_phone(
            actor=request.user,
            name=payload.name,
            phone=payload.phone,
            email=payload.email,
            topic=str(payload.topic),
            text=payload.text,
            received_at=payload.received_at,
        )
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, _inquiry_out(inquiry))


@router.post(
    "/items/{reference}/language",
    response={200: InquiryOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_language",
)
def inquiry_language(request, reference: str, payload: LanguageIn):
    return _inquiry_action(
        request,
        reference,
        lambda inquiry: services.inquiry_set_language(
            actor=request.user, inquiry=inquiry, language=str(payload.language)
        ),
    )


@router.post(
    "/items/{reference}/forward",
    response={200: InquiryOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_forward",
)
def inquiry_forward(request, reference: str, payload: ForwardIn):
    section = Section.objects.filter(code=payload.section_code).first()
    if section is None:
        return _error(400, _("Unknown section."))
    return _inquiry_action(
        request,
        reference,
        lambda inquiry: services.inquiry_forward(
            actor=request.user, inquiry=inquiry, section=section, note=payload.note
        ),
    )


@router.post(
    "/items/{reference}/invite",
    response={200: InquiryOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_invite",
)
def inquiry_invite(request, reference: str):
    return _inquiry_action(
        request, reference, lambda inquiry: services.inquiry_invite(actor=request.user, inquiry=inquiry)
    )


@router.post(
    "/items/{reference}/close",
    response={200: InquiryOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_close",
)
def inquiry_close(request, reference: str, payload: CloseIn):
    return _inquiry_action(
        request,
        reference,
        lambda inquiry: services.inquiry_close(actor=request.user, inquiry=inquiry, reason=payload.reason),
    )


@router.get("/rejections", response=list[RejectionOut], url_name="inquiry_rejections")
def rejections(request):
    return [
        {
            "id": item.pk,
            "channel": item.channel,
            "reason": item.reason,
            "sender": item.sender,
            "subject": item.subject,
            "size": item.size,
            "received_at": item.received_at,
            "released_at": item.released_at,
            "inquiry_reference": item.inquiry.reference if item.inquiry else None,
        }
        for item in Rejection.objects.select_related("inquiry")[:500]
    ]


@router.post(
    "/rejections/{rejection_id}/release",
    response={200: InquiryOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_rejection_release",
)
def rejection_release(request, rejection_id: int):
    rejection = Rejection.objects.filter(pk=rejection_id).first()
    if rejection is None:
        return _not_found()
    try:
        inquiry = services.rejection_release(actor=request.user, rejection=rejection)
    except services.InquiryError as error:
        return _error(400, error)
    return Status(200, _inquiry_out(inquiry))


@router.get("/figures", response=FiguresOut, url_name="inquiry_figures")
def figures(request, weeks: int = 12):
    data = selectors.inquiry_figures(weeks=max(1, min(weeks, 104)))
    return {
        "weeks": [
            {
                "week": row.label,
                "answered": row.answered,
                "answered_in_time": row.in_time,
                "median_working_hours": row.median_hours,
            }
            for row in data.weeks
        ],
        "median_working_hours": data.median_hours,
        "backlog": [
            {"section": item.section, "open": item.open, "overdue": item.overdue} for item in data.backlog
        ],
    }


@router.get("/sections", response=list[SectionOut], url_name="inquiry_sections")
def sections(request):
    return list(Section.objects.all())


@router.post("/sections/create", response={201: SectionOut, 400: ErrorOut}, url_name="inquiry_section_create")
def section_create(request, payload: SectionIn):
    emails = {email.strip().lower() for email in payload.member_emails}
    members = list(User.objects.filter(email__in=emails))
    if len(members) != len(emails):
        return _error(
            400,
            _("No staff member has the address %(email)s.")
            % {"email": ", ".join(sorted(emails - {m.email for m in members}))},
        )
    try:
        section = services.section_create(
            actor=request.user, code=payload.code, name=payload.name, email=payload.email, members=members
        )
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, section)


# --- standard answers -----------------------------------------------------------------------------


def _standard_answer_out(answer: selectors.StandardAnswer) -> dict:
    return {
        "key": answer.key,
        "topic": answer.topic,
        "retired": answer.retired,
        "missing_languages": answer.missing,
        "versions": [
            {
                "language": version.language,
                "title": version.title,
                "body": version.body,
                "updated_at": version.updated_at,
            }
            for version in answer.versions.values()
        ],
    }


def _standard_answer_found(key: str) -> selectors.StandardAnswer | None:
    found = selectors.standard_answers(key=key)
    return found[0] if found else None


def _versions(items: list[StandardAnswerVersionIn]) -> dict[str, tuple[str, str]] | None:
    versions = {str(item.language): (item.title, item.body) for item in items}
    return versions if len(versions) == len(items) else None


@router.get("/standard-answers", response=list[StandardAnswerOut], url_name="inquiry_standard_answers")
def standard_answers(request, include_retired: bool = True):
    return [
        _standard_answer_out(answer)
        for answer in selectors.standard_answers()
        if include_retired or not answer.retired
    ]


# Declared before "/standard-answers/{key}" so that "create" is never taken for a key.
@router.post(
    "/standard-answers/create",
    response={201: StandardAnswerOut, 400: ErrorOut},
    url_name="inquiry_standard_answer_create",
)
def standard_answer_create(request, payload: StandardAnswerIn):
    versions = _versions(payload.versions)
    if versions is None:
        return _error(400, _("Give each language at most once."))
    try:
        templates = services.standard_answer_create(
            actor=request.user, key=payload.key, topic=str(payload.topic), versions=versions
        )
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, _standard_answer_out(selectors.standard_answers(key=templates[0].key)[0]))


@router.get(
    "/standard-answers/{key}",
    response={200: StandardAnswerOut, 404: ErrorOut},
    url_name="inquiry_standard_answer",
)
def standard_answer_detail(request, key: str):
    answer = _standard_answer_found(key)
    if answer is None:
        return _not_found()
    return Status(200, _standard_answer_out(answer))


@router.post(
    "/standard-answers/{key}/update",
    response={200: StandardAnswerOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_standard_answer_update",
)
def standard_answer_update(request, key: str, payload: StandardAnswerUpdateIn):
    answer = _standard_answer_found(key)
    if answer is None:
        return _not_found()
    given = _versions(payload.versions)
    if given is None:
        return _error(400, _("Give each language at most once."))
    versions = {code: (version.title, version.body) for code, version in answer.versions.items()}
    versions.update(given)
    try:
        services.standard_answer_update(
            actor=request.user,
            key=answer.key,
            topic=str(payload.topic) if payload.topic is not None else answer.topic,
            versions=versions,
        )
    except services.InquiryError as error:
        return _error(400, error)
    return Status(200, _standard_answer_out(selectors.standard_answers(key=answer.key)[0]))


def _standard_answer_action(key: str, action) -> Status:
    answer = _standard_answer_found(key)
    if answer is None:
        return _not_found()
    try:
        action(answer.key)
    except services.InquiryError as error:
        return _error(400, error)
    return Status(200, _standard_answer_out(selectors.standard_answers(key=answer.key)[0]))


@router.post(
    "/standard-answers/{key}/retire",
    response={200: StandardAnswerOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_standard_answer_retire",
)
def standard_answer_retire(request, key: str):
    return _standard_answer_action(
        key, lambda key: services.standard_answer_retire(actor=request.user, key=key)
    )


@router.post(
    "/standard-answers/{key}/reactivate",
    response={200: StandardAnswerOut, 400: ErrorOut, 404: ErrorOut},
    url_name="inquiry_standard_answer_reactivate",
)
def standard_answer_reactivate(request, key: str):
    return _standard_answer_action(
        key, lambda key: services.standard_answer_reactivate(actor=request.user, key=key)
    )


# --- journal and innsyn ---------------------------------------------------------------------------


def _journal_out(entry: JournalEntry) -> dict:
    return {
        "id": entry.pk,
        "journal_date": entry.journal_date,
        "document_number": entry.document_reference,
        "doc_type": entry.doc_type,
        "title": entry.title_public,
        "party": entry.party_public,
        "document_date": entry.document_date,
        "screened": entry.screened,
        "legal_reference": entry.legal_reference,
    }


@router.get("/journal", response=list[JournalOut], url_name="journal_search", auth=None)
def journal_search(
    request,
    q: str = "",
    doc_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 50,
):
    entries = selectors.journal_search(query=q[:200], doc_type=doc_type, date_from=date_from, date_to=date_to)
    return [_journal_out(entry) for entry in entries[: max(1, min(limit, 500))]]


@router.post("/journal/record", response={201: JournalOut, 400: ErrorOut}, url_name="journal_record")
def journal_record(
    request,
    payload: Form[JournalIn],
    document_file: File[UploadedFile] | None = None,
    public_file: File[UploadedFile] | None = None,
):
    try:
        entry = services.journal_record(
            actor=request.user,
            case_number=payload.case_number.strip() or services.journal_case_number_new(),
            doc_type=payload.doc_type,
            title=payload.title,
            party=payload.party,
            document_date=payload.document_date,
            screened=payload.screened,
            legal_reference=payload.legal_reference,
            document_file=document_file,
            public_file=public_file,
            party_is_person=payload.party_is_person,
            personal_names=payload.personal_names,
        )
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, _journal_out(entry))


@router.post(
    "/innsyn/request",
    response={201: InnsynReceiptOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    url_name="innsyn_request",
    auth=None,
)
def innsyn_request(request, payload: InnsynIn):
    try:
        innsyn = services.innsyn_request_public(
            entry_id=None,
            document=payload.document_number,
            email=payload.email,
            name=payload.name,
            message=payload.message,
            language=str(payload.language),
            ip=client_ip(request),
            channel=Channel.API,
        )
    except services.Rejected as error:
        return _error(429, error)
    except services.DocumentNotFound as error:
        return _error(404, error)
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, {"reference": innsyn.reference, "due_at": innsyn.due_at})


def _innsyn_out(item: InnsynRequest) -> dict:
    return {
        "reference": item.reference,
        "document_number": item.entry.document_reference,
        "status": item.status,
        "received_at": item.received_at,
        "due_at": item.due_at,
        "decided_at": item.decided_at,
        "legal_reference": item.legal_reference,
        "appealed_at": item.appealed_at,
        "clock": str(selectors.clock_state(item)),
    }


@router.get("/innsyn", response=list[InnsynOut], url_name="innsyn_queue")
def innsyn_queue(request, status: str = ""):
    items = InnsynRequest.objects.select_related("entry")
    if status:
        items = items.filter(status=status)
    return [_innsyn_out(item) for item in items[:500]]


@router.post(
    "/innsyn/{reference}/grant",
    response={200: InnsynOut, 400: ErrorOut, 404: ErrorOut},
    url_name="innsyn_grant",
)
def innsyn_grant(request, reference: str, screened_copy: File[UploadedFile] | None = None):
    item = InnsynRequest.objects.filter(reference=reference).first()
    if item is None:
        return _not_found()
    try:
        services.innsyn_grant(actor=request.user, request=item, screened_copy=screened_copy)
    except services.InquiryError as error:
        return _error(400, error)
    item.refresh_from_db()
    return Status(200, _innsyn_out(item))


@router.post(
    "/innsyn/{reference}/refuse",
    response={200: InnsynOut, 400: ErrorOut, 404: ErrorOut},
    url_name="innsyn_refuse",
)
def innsyn_refuse(request, reference: str, payload: RefuseIn):
    item = InnsynRequest.objects.filter(reference=reference).first()
    if item is None:
        return _not_found()
    try:
        services.innsyn_refuse(
            actor=request.user,
            request=item,
            legal_reference=payload.legal_reference,
            explanation=payload.explanation,
        )
    except services.InquiryError as error:
        return _error(400, error)
    item.refresh_from_db()
    return Status(200, _innsyn_out(item))


@router.post("/innsyn/appeal", response={200: OkOut, 400: ErrorOut}, url_name="innsyn_appeal", auth=None)
def innsyn_appeal(request, payload: AppealIn):
    try:
        services.innsyn_appeal(token=payload.token, text=payload.text)
    except services.InquiryError as error:
        return _error(400, error)
    return Status(200, {"ok": True})


# --- respondents ----------------------------------------------------------------------------------


def _survey_out(survey: Survey) -> dict:
    return {
        "id": survey.pk,
        "code": survey.code,
        "name": survey.name,
        "deadline": survey.deadline,
        "obligatory": survey.obligatory,
        "respondents": survey.respondents.count(),
        "reported": survey.respondents.filter(reported_at__isnull=False).count(),
    }


@router.get("/surveys", response=list[SurveyOut], url_name="surveys")
def surveys(request):
    return [_survey_out(survey) for survey in Survey.objects.all()]


@router.post("/surveys/create", response={201: SurveyOut, 400: ErrorOut}, url_name="survey_create")
def survey_create(request, payload: SurveyIn):
    try:
        survey = services.survey_create(actor=request.user, **payload.dict())
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, _survey_out(survey))


@router.get(
    "/surveys/{survey_id}/respondents",
    response={200: list[RespondentOut], 404: ErrorOut},
    url_name="survey_respondents",
)
def survey_respondents(request, survey_id: int):
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return _not_found()
    return Status(200, list(survey.respondents.all()))


@router.post(
    "/surveys/{survey_id}/respondents/add",
    response={201: RespondentOut, 400: ErrorOut, 404: ErrorOut},
    url_name="respondent_add",
)
def respondent_add(request, survey_id: int, payload: RespondentIn):
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return _not_found()
    data = payload.dict()
    data["language"] = str(payload.language)
    try:
        respondent = services.respondent_add(actor=request.user, survey=survey, **data)
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, respondent)


def _survey_count(survey_id: int, action) -> Status:
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return _not_found()
    try:
        return Status(200, {"count": action(survey)})
    except services.InquiryError as error:
        return _error(400, error)


@router.post(
    "/surveys/{survey_id}/letters/send",
    response={200: CountOut, 400: ErrorOut, 404: ErrorOut},
    url_name="survey_letters",
)
def survey_letters(request, survey_id: int):
    return _survey_count(
        survey_id, lambda survey: services.survey_letters_send(actor=request.user, survey=survey)
    )


@router.post(
    "/surveys/{survey_id}/reminders/send",
    response={200: CountOut, 400: ErrorOut, 404: ErrorOut},
    url_name="survey_reminders",
)
def survey_reminders(request, survey_id: int):
    return _survey_count(
        survey_id,
        lambda survey: services.survey_reminders_send(actor=request.user, survey=survey, now=timezone.now()),
    )


@router.post(
    "/respondents/{respondent_id}/reported",
    response={200: RespondentOut, 400: ErrorOut, 404: ErrorOut},
    url_name="respondent_reported",
)
def respondent_reported(request, respondent_id: int):
    respondent = Respondent.objects.filter(pk=respondent_id).first()
    if respondent is None:
        return _not_found()
    try:
        services.respondent_mark_reported(actor=request.user, respondent=respondent)
    except services.InquiryError as error:
        return _error(400, error)
    respondent.refresh_from_db()
    return Status(200, respondent)


@router.post(
    "/respondents/{respondent_id}/fine/prepare",
    response={201: FineOut, 400: ErrorOut, 404: ErrorOut},
    url_name="fine_prepare",
)
def fine_prepare(request, respondent_id: int, payload: FineIn):
    respondent = Respondent.objects.filter(pk=respondent_id).first()
    if respondent is None:
        return _not_found()
    try:
        fine = services.fine_prepare(
            actor=request.user,
            respondent=respondent,
            amount_per_day=payload.amount_per_day,
            from_date=payload.from_date,
        )
    except services.InquiryError as error:
        return _error(400, error)
    return Status(201, fine)


@router.post(
    "/fines/{fine_id}/send", response={200: FineOut, 400: ErrorOut, 404: ErrorOut}, url_name="fine_send"
)
def fine_send(request, fine_id: int):
    fine = CoerciveFine.objects.filter(pk=fine_id).first()
    if fine is None:
        return _not_found()
    try:
        services.fine_letter_send(actor=request.user, fine=fine)
    except services.InquiryError as error:
        return _error(400, error)
    fine.refresh_from_db()
    return Status(200, fine)


INFO = only(Role.INFORMATION_SERVICE)
STANDARD_ANSWERS = only(Role.INFORMATION_SERVICE, Role.ADMINISTRATOR)

register(
    {
        "api:inquiry_submit": PUBLIC,
        "api:inquiry_inbound_email": INFO,
        "api:inquiry_queue": STAFF,
        "api:inquiry_detail": STAFF,
        "api:inquiry_answer": STAFF,
        "api:inquiry_answer_phone": STAFF,
        "api:inquiry_phone_register": INFO,
        "api:inquiry_language": STAFF,
        "api:inquiry_forward": INFO,
        "api:inquiry_invite": STAFF,
        "api:inquiry_close": STAFF,
        "api:inquiry_rejections": INFO,
        "api:inquiry_rejection_release": INFO,
        "api:inquiry_figures": only(Role.INFORMATION_SERVICE, Role.HEAD_OF_SECTION, Role.ADMINISTRATOR),
        "api:inquiry_sections": INFO,
        "api:inquiry_section_create": INFO,
        "api:inquiry_standard_answers": STANDARD_ANSWERS,
        "api:inquiry_standard_answer": STANDARD_ANSWERS,
        "api:inquiry_standard_answer_create": STANDARD_ANSWERS,
        "api:inquiry_standard_answer_update": STANDARD_ANSWERS,
        "api:inquiry_standard_answer_retire": STANDARD_ANSWERS,
        "api:inquiry_standard_answer_reactivate": STANDARD_ANSWERS,
        "api:journal_search": PUBLIC,
        "api:journal_record": INFO,
        "api:innsyn_request": PUBLIC,
        "api:innsyn_queue": INFO,
        "api:innsyn_grant": INFO,
        "api:innsyn_refuse": INFO,
        "api:innsyn_appeal": PUBLIC,
        "api:surveys": INFO,
        "api:survey_create": INFO,
        "api:survey_respondents": INFO,
        "api:respondent_add": INFO,
        "api:survey_letters": INFO,
        "api:survey_reminders": INFO,
        "api:respondent_reported": INFO,
        "api:fine_prepare": INFO,
        "api:fine_send": INFO,
    }
)
