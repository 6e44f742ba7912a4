"""Portal pages of the information service. Thin: parse a form, call a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tilgang.accounts.models import Language, User
from tilgang.core.http import AuthedRequest
from tilgang.core.middleware import client_ip
from tilgang.core.roles import Role
from tilgang.inquiries import selectors, services
from tilgang.inquiries.forms import (
    AnswerForm,
    AppealForm,
    CloseForm,
    FineForm,
    ForwardForm,
    GrantForm,
    InnsynForm,
    InquiryForm,
    JournalRecordForm,
    JournalSearchForm,
    LanguageForm,
    PhoneAnswerForm,
    PhoneInquiryForm,
    RefuseForm,
    RespondentForm,
    SectionForm,
    StandardAnswerForm,
    SurveyForm,
)
from tilgang.inquiries.models import (
    Channel,
    CoerciveFine,
    FineStatus,
    InnsynRequest,
    InnsynStatus,
    Inquiry,
    InquiryAttachment,
    InquiryStatus,
    JournalEntry,
    MessageKind,
    Rejection,
    Respondent,
    Section,
    Survey,
    Topic,
)
from tilgang.inquiries.service_level import ClockState

SESSION_THANKS = "inquiry_thanks"
SESSION_INNSYN_THANKS = "innsyn_thanks"


def _language(request: HttpRequest) -> str:
    language = translation.get_language() or Language.NB
    return language if language in Language.values else Language.NB


# --- public: questions ---------------------------------------------------------------------------


def ask(request: HttpRequest) -> HttpResponse:
    """The public question form: no account, a honeypot and rate limits instead of a CAPTCHA."""
    # ?emne=<topic> preselects the topic (other pages link here, e.g. to ask for a user account).
    topic = request.GET.get("emne", "")
    form = InquiryForm(request.POST or None, initial={"topic": topic} if topic in Topic.values else None)
    status = 200
    if request.method == "POST":
        ip = client_ip(request)
        if form.honeypot_filled():
            caught = {
                key: str(request.POST.get(key, ""))[:2000] for key in ("name", "email", "topic", "text")
            }
            services.honeypot_caught(channel=Channel.WEB, ip=ip, data=caught)
            request.session[SESSION_THANKS] = None
            return redirect("inquiries:thanks")
        if form.is_valid():
            data: dict[str, Any] = form.cleaned_data
            try:
                inquiry = services.inquiry_submit_public(
                    channel=Channel.WEB,
                    ip=ip,
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    topic=data["topic"],
                    text=data["text"],
                    survey=data["survey"],
                )
            except services.Rejected as error:
                form.add_error(None, str(error))
                status = 429
            except services.InquiryError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                request.session[SESSION_THANKS] = inquiry.reference
                return redirect("inquiries:thanks")
        else:
            status = 400
    return render(request, "inquiries/ask.html", {"form": form}, status=status)


def thanks(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SESSION_THANKS)
    inquiry = Inquiry.objects.filter(reference=reference).first() if reference else None
    return render(request, "inquiries/thanks.html", {"inquiry": inquiry})


# --- staff: the queue ----------------------------------------------------------------------------


def _queue_rows(inquiries, now):
    return [(inquiry, selectors.clock_state(inquiry, now)) for inquiry in inquiries]


def queue(request: AuthedRequest) -> HttpResponse:
    show = request.GET.get("vis", "open")
    inquiries = selectors.inquiries_visible_to(request.user)
    if show == "open":
        inquiries = inquiries.filter(status__in=[InquiryStatus.OPEN, InquiryStatus.FORWARDED])
    elif show == "answered":
        inquiries = inquiries.filter(status=InquiryStatus.ANSWERED).order_by("-answered_at")
    elif show == "closed":
        inquiries = inquiries.filter(status=InquiryStatus.CLOSED).order_by("-closed_at")
    else:
        show = "all"
        inquiries = inquiries.order_by("-received_at")
    page = Paginator(inquiries, 50).get_page(request.GET.get("side"))
    now = timezone.now()
    rows = _queue_rows(page, now)
    return render(
        request,
        "inquiries/queue.html",
        {
            "rows": rows,
            "page": page,
            "show": show,
            "overdue": sum(1 for _inquiry, state in rows if state == ClockState.OVERDUE),
            "due_soon": sum(1 for _inquiry, state in rows if state == ClockState.DUE_SOON),
        },
    )


def _visible_inquiry(request: AuthedRequest, reference: str) -> Inquiry:
    inquiry = selectors.inquiries_visible_to(request.user).filter(reference=reference).first()
    if inquiry is None:
        raise Http404
    return inquiry


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def inquiry_detail(request: AuthedRequest, reference: str) -> HttpResponse:
    inquiry = _visible_inquiry(request, reference)
    chosen = request.GET.get("mal", "")
    template = _offered_template(inquiry, chosen)
    body = template.body if template is not None else None
    return _inquiry_page(request, inquiry, answer_body=body, phone_body=body, chosen=chosen)


def _offered_template(inquiry: Inquiry, chosen: str):
    # DOMAIN R-INFO-2: only standard answers in the reply language, and none that are retired.
    if not str(chosen).isdigit():
        return None
    return selectors.reply_templates_offered(inquiry.language).filter(pk=int(chosen)).first()


def _inquiry_page(
    request: AuthedRequest,
    inquiry: Inquiry,
    *,
    answer_body: str | None = None,
    phone_body: str | None = None,
    phone_given_at=None,
    chosen: str = "",
    ask_template=None,
    target: str = "",
) -> HttpResponse:
    templates = list(selectors.reply_templates_offered(inquiry.language))
    if not str(chosen).isdigit() or all(str(t.pk) != str(chosen) for t in templates):
        # Preselect a standard answer on the inquiry's topic.
        chosen = next((str(t.pk) for t in templates if t.topic == inquiry.topic), "")
    is_info = request.user.has_role(Role.INFORMATION_SERVICE)
    phone_form = None
    if inquiry.phone:
        initial = {"given_at": phone_given_at or _now_to_the_minute()}
        if phone_body is not None:
            initial["body"] = phone_body
        phone_form = PhoneAnswerForm(prefix="phone", initial=initial)
    answer_form = None
    if inquiry.email:
        answer_form = AnswerForm(initial={"body": answer_body} if answer_body is not None else None)
    # The standard answers fill the e-mail answer, or for a caller without e-mail the phone answer.
    target = target or ("answer-form" if answer_form else "phone-answer-form")
    return render(
        request,
        "inquiries/inquiry.html",
        {
            "inquiry": inquiry,
            "state": selectors.clock_state(inquiry),
            "thread": inquiry.messages.select_related("author").prefetch_related("attachments"),
            "templates": templates,
            "chosen": chosen,
            "template_target": target,
            "template_action": reverse(
                "inquiries:inquiry_answer" if target == "answer-form" else "inquiries:inquiry_answer_phone",
                args=[inquiry.reference],
            ),
            "ask_template": ask_template,
            "missing_standard_answers": selectors.standard_answers_missing(inquiry.language),
            "can_manage_standard_answers": services.may_manage_standard_answers(request.user),
            "answer_form": answer_form,
            "phone_form": phone_form,
            "phone_answered": inquiry.messages.filter(kind=MessageKind.PHONE_REPLY).exists(),
            "language_form": LanguageForm(initial={"language": inquiry.language}),
            "forward_form": ForwardForm() if is_info else None,
            "close_form": CloseForm(),
            "is_info": is_info,
            "guess_label": Language(inquiry.language_guess).label,
        },
    )


def _with_template(request: AuthedRequest, reference: str, *, typed: str, phone: bool) -> HttpResponse:
    """ "Use this standard answer" inside the answer form: what was typed is kept. An empty box gets the
    standard answer; otherwise the user is asked whether to replace the text or add the answer after it."""
    inquiry = _visible_inquiry(request, reference)
    chosen = request.POST.get("mal", "")
    template = _offered_template(inquiry, chosen)
    how = request.POST.get("use_template", "")
    body, ask = typed, None
    if template is not None:
        if not typed.strip() or how == "replace":
            body = template.body
        elif how == "append":
            body = typed.rstrip() + "\n\n" + template.body
        else:
            ask = template
    given_at = request.POST.get("phone-given_at") or None
    return _inquiry_page(
        request,
        inquiry,
        answer_body=None if phone else body,
        phone_body=body if phone else None,
        phone_given_at=given_at,
        chosen=chosen,
        ask_template=ask,
        target="phone-answer-form" if phone else "answer-form",
    )


def _act(request: AuthedRequest, reference: str, action, success: str) -> HttpResponse:
    inquiry = _visible_inquiry(request, reference)
    try:
        action(inquiry)
    except services.InquiryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("inquiries:inquiry", reference=inquiry.reference)


@require_POST
def inquiry_answer(request: AuthedRequest, reference: str) -> HttpResponse:
    if "use_template" in request.POST:
        return _with_template(request, reference, typed=request.POST.get("body", ""), phone=False)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the answer before sending it."))
        return redirect("inquiries:inquiry", reference=reference)
    return _act(
        request,
        reference,
        lambda inquiry: services.inquiry_answer(
            actor=request.user, inquiry=inquiry, body=form.cleaned_data["body"]
        ),
        _("The answer was sent."),
    )


@require_POST
def inquiry_answer_phone(request: AuthedRequest, reference: str) -> HttpResponse:
    if "use_template" in request.POST:
        return _with_template(request, reference, typed=request.POST.get("phone-body", ""), phone=True)
    form = PhoneAnswerForm(request.POST, prefix="phone")
    if not form.is_valid():
        messages.error(request, _("Write what you told the caller, and when."))
        return redirect("inquiries:inquiry", reference=reference)
    return _act(
        request,
        reference,
        lambda inquiry: services.inquiry_answer_by_phone(
            actor=request.user,
            inquiry=inquiry,
            body=form.cleaned_data["body"],
            given_at=form.cleaned_data["given_at"],
        ),
        _("The answer given by phone is recorded, and the inquiry is answered."),
    )


def phone_inquiry_new(request: AuthedRequest) -> HttpResponse:
    """Register a question received by phone; it enters the queue like any other inquiry."""
    form = PhoneInquiryForm(request.POST or None, initial={"received_at": _now_to_the_minute()})
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            inquiry = services.inquiry_register_phone(
                actor=request.user,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                topic=data["topic"],
                text=data["text"],
                received_at=data["received_at"],
            )
        except services.InquiryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The phone inquiry is registered as %(reference)s and is in the queue.")
                % {"reference": inquiry.reference},
            )
            return redirect("inquiries:inquiry", reference=inquiry.reference)
    return render(request, "inquiries/phone_new.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def inquiry_language(request: AuthedRequest, reference: str) -> HttpResponse:
    language = request.POST.get("language", "")
    return _act(
        request,
        reference,
        lambda inquiry: services.inquiry_set_language(actor=request.user, inquiry=inquiry, language=language),
        _("The reply language is changed."),
    )


@require_POST
def inquiry_forward(request: AuthedRequest, reference: str) -> HttpResponse:
    form = ForwardForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the section to forward to."))
        return redirect("inquiries:inquiry", reference=reference)
    return _act(
        request,
        reference,
        lambda inquiry: services.inquiry_forward(
            actor=request.user,
            inquiry=inquiry,
            section=form.cleaned_data["section"],
            note=form.cleaned_data["note"],
        ),
        _("The inquiry was forwarded; the inquirer was told who holds it."),
    )


@require_POST
def inquiry_invite(request: AuthedRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        lambda inquiry: services.inquiry_invite(actor=request.user, inquiry=inquiry),
        _("An invitation to apply was sent."),
    )


@require_POST
def inquiry_close(request: AuthedRequest, reference: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        reference,
        lambda inquiry: services.inquiry_close(actor=request.user, inquiry=inquiry, reason=reason),
        _("The inquiry is closed."),
    )


def attachment(request: AuthedRequest, attachment_id: int) -> FileResponse:
    """An attachment, only ever as a download of opaque bytes (never rendered by the browser)."""
    item = get_object_or_404(InquiryAttachment.objects.select_related("message__inquiry"), pk=attachment_id)
    _visible_inquiry(request, item.message.inquiry.reference)
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=item.filename,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def rejections(request: AuthedRequest) -> HttpResponse:
    page = Paginator(Rejection.objects.all(), 50).get_page(request.GET.get("side"))
    return render(request, "inquiries/rejections.html", {"page": page})


@require_POST
def rejection_release(request: AuthedRequest, rejection_id: int) -> HttpResponse:
    rejection = get_object_or_404(Rejection, pk=rejection_id)
    try:
        inquiry = services.rejection_release(actor=request.user, rejection=rejection)
    except services.InquiryError as error:
        messages.error(request, str(error))
        return redirect("inquiries:rejections")
    messages.success(
        request, _("The message is now inquiry %(reference)s.") % {"reference": inquiry.reference}
    )
    return redirect("inquiries:inquiry", reference=inquiry.reference)


def figures(request: AuthedRequest) -> HttpResponse:
    data = selectors.inquiry_figures()
    bars, width, top = selectors.chart_bars(data)
    return render(
        request,
        "inquiries/figures.html",
        {
            "figures": data,
            "bars": bars,
            "chart_width": width,
            "chart_top": top,
            "chart_height": selectors.CHART_HEIGHT,
        },
    )


def figures_csv(request: AuthedRequest) -> HttpResponse:
    body = selectors.figures_csv(selectors.inquiry_figures(), section_label=_("Information service"))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="inquiry-figures.csv"'
    return response


def sections(request: AuthedRequest) -> HttpResponse:
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        emails = [e.strip().lower() for e in data["members"].split(",") if e.strip()]
        members = list(User.objects.filter(email__in=emails))
        unknown = sorted(set(emails) - {m.email for m in members})
        if unknown:
            form.add_error(
                "members", _("No staff member has the address %(email)s.") % {"email": ", ".join(unknown)}
            )
        else:
            try:
                services.section_create(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    email=data["email"],
                    members=members,
                )
            except services.InquiryError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The section was created."))
                return redirect("inquiries:sections")
    return render(
        request,
        "inquiries/sections.html",
        {"form": form, "sections": Section.objects.prefetch_related("members")},
    )


# --- staff: standard answers (DOMAIN R-INFO-2) ------------------------------------------------------


def standard_answers(request: AuthedRequest) -> HttpResponse:
    answers = selectors.standard_answers()
    active = [answer for answer in answers if not answer.retired]
    return render(
        request,
        "inquiries/standard_answers.html",
        {
            "groups": selectors.standard_answers_by_topic(active),
            "retired": [answer for answer in answers if answer.retired],
            "incomplete": sum(1 for answer in active if answer.missing),
        },
    )


def _standard_answer_form(request: AuthedRequest, *, answer: selectors.StandardAnswer | None):
    initial: dict[str, Any] = {}
    if answer is not None:
        initial = {"key": answer.key, "topic": answer.topic}
        for code, version in answer.versions.items():
            initial[f"title_{code}"], initial[f"body_{code}"] = version.title, version.body
    return StandardAnswerForm(request.POST or None, initial=initial, editing=answer is not None)


def standard_answer_new(request: AuthedRequest) -> HttpResponse:
    form = _standard_answer_form(request, answer=None)
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_answer_create(
                actor=request.user,
                key=form.cleaned_data["key"],
                topic=form.cleaned_data["topic"],
                versions=form.versions(),
            )
        except services.InquiryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The standard answer was created."))
            return redirect("inquiries:standard_answers")
    return render(
        request,
        "inquiries/standard_answer_form.html",
        {"form": form, "answer": None},
        status=400 if form.errors else 200,
    )


def _standard_answer(key: str) -> selectors.StandardAnswer:
    found = selectors.standard_answers(key=key)
    if not found:
        raise Http404
    return found[0]


def standard_answer_edit(request: AuthedRequest, key: str) -> HttpResponse:
    answer = _standard_answer(key)
    form = _standard_answer_form(request, answer=answer)
    if request.method == "POST" and form.is_valid():
        try:
            services.standard_answer_update(
                actor=request.user, key=answer.key, topic=form.cleaned_data["topic"], versions=form.versions()
            )
        except services.InquiryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The standard answer was saved."))
            return redirect("inquiries:standard_answers")
    return render(
        request,
        "inquiries/standard_answer_form.html",
        {"form": form, "answer": answer},
        status=400 if form.errors else 200,
    )


def _standard_answer_act(request: AuthedRequest, key: str, action, success: str) -> HttpResponse:
    answer = _standard_answer(key)
    try:
        action(answer.key)
    except services.InquiryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("inquiries:standard_answers")


@require_POST
def standard_answer_retire(request: AuthedRequest, key: str) -> HttpResponse:
    return _standard_answer_act(
        request,
        key,
        lambda key: services.standard_answer_retire(actor=request.user, key=key),
        _("The standard answer is retired: it is no longer offered when answering."),
    )


@require_POST
def standard_answer_reactivate(request: AuthedRequest, key: str) -> HttpResponse:
    return _standard_answer_act(
        request,
        key,
        lambda key: services.standard_answer_reactivate(actor=request.user, key=key),
        _("The standard answer is in use again."),
    )


# --- the public journal and innsyn ---------------------------------------------------------------


def journal(request: HttpRequest) -> HttpResponse:
    form = JournalSearchForm(request.GET or None)
    entries = selectors.journal_search()
    if form.is_valid():
        data = form.cleaned_data
        entries = selectors.journal_search(
            query=data["q"] or "",
            doc_type=data["doc_type"] or "",
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    page = Paginator(entries, 25).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    can_record = request.user.is_authenticated and request.user.has_role(Role.INFORMATION_SERVICE)
    return render(
        request,
        "inquiries/journal.html",
        {"form": form, "page": page, "query": query.urlencode(), "can_record": can_record},
    )


def journal_record(request: AuthedRequest) -> HttpResponse:
    form = JournalRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case_number = data["case_number"].strip() or services.journal_case_number_new()
            entry = services.journal_record(
                actor=request.user,
                case_number=case_number,
                doc_type=data["doc_type"],
                title=data["title"],
                party=data["party"],
                document_date=data["document_date"],
                screened=data["screened"],
                legal_reference=data["legal_reference"],
                document_file=data["document_file"],
                public_file=data["public_file"],
                party_is_person=data["party_is_person"],
                personal_names=[n for n in data["personal_names"].split(",") if n.strip()],
            )
        except services.InquiryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Document %(number)s is journaled.") % {"number": entry.document_reference}
            )
            return redirect("inquiries:journal")
    return render(request, "inquiries/journal_record.html", {"form": form})


def innsyn_new(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_object_or_404(JournalEntry, pk=entry_id)
    form = InnsynForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.honeypot_filled():
            services.honeypot_caught(
                channel=Channel.WEB,
                ip=client_ip(request),
                data={"email": str(request.POST.get("email", ""))[:254], "topic": "innsyn"},
            )
            request.session[SESSION_INNSYN_THANKS] = None
            return redirect("inquiries:innsyn_thanks")
        if form.is_valid():
            data = form.cleaned_data
            try:
                innsyn = services.innsyn_request_public(
                    entry_id=entry.pk,
                    email=data["email"],
                    name=data["name"],
                    message=data["message"],
                    language=_language(request),
                    ip=client_ip(request),
                )
            except services.Rejected as error:
                form.add_error(None, str(error))
                status = 429
            except services.InquiryError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                request.session[SESSION_INNSYN_THANKS] = innsyn.reference
                return redirect("inquiries:innsyn_thanks")
        else:
            status = 400
    return render(request, "inquiries/innsyn_new.html", {"form": form, "entry": entry}, status=status)


def innsyn_thanks(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SESSION_INNSYN_THANKS)
    innsyn = InnsynRequest.objects.filter(reference=reference).first() if reference else None
    return render(request, "inquiries/innsyn_thanks.html", {"innsyn": innsyn})


def innsyn_queue(request: AuthedRequest) -> HttpResponse:
    show = request.GET.get("vis", "open")
    requests = InnsynRequest.objects.select_related("entry")
    if show == "open":
        requests = requests.filter(
            status__in=[InnsynStatus.PENDING, InnsynStatus.DEEMED_REFUSED]
        ) | requests.filter(
            appealed_at__isnull=False, status__in=[InnsynStatus.REFUSED, InnsynStatus.DEEMED_REFUSED]
        )
    else:
        show = "all"
        requests = requests.order_by("-received_at")
    page = Paginator(requests.distinct(), 50).get_page(request.GET.get("side"))
    now = timezone.now()
    rows = [(item, selectors.clock_state(item, now)) for item in page]
    return render(request, "inquiries/innsyn_queue.html", {"rows": rows, "page": page, "show": show})


def innsyn_detail(request: AuthedRequest, reference: str) -> HttpResponse:
    innsyn = get_object_or_404(
        InnsynRequest.objects.select_related("entry", "decided_by"), reference=reference
    )
    return render(
        request,
        "inquiries/innsyn_detail.html",
        {
            "innsyn": innsyn,
            "entry": innsyn.entry,
            "state": selectors.clock_state(innsyn),
            "grant_form": GrantForm(),
            "refuse_form": RefuseForm(initial={"legal_reference": innsyn.entry.legal_reference}),
            "open": innsyn.status in (InnsynStatus.PENDING, InnsynStatus.DEEMED_REFUSED),
        },
    )


@require_POST
def innsyn_grant(request: AuthedRequest, reference: str) -> HttpResponse:
    innsyn = get_object_or_404(InnsynRequest, reference=reference)
    form = GrantForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.innsyn_grant(
            actor=request.user, request=innsyn, screened_copy=form.cleaned_data.get("screened_copy")
        )
    except services.InquiryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Access was granted and the document sent."))
    return redirect("inquiries:innsyn_detail", reference=reference)


@require_POST
def innsyn_refuse(request: AuthedRequest, reference: str) -> HttpResponse:
    innsyn = get_object_or_404(InnsynRequest, reference=reference)
    try:
        services.innsyn_refuse(
            actor=request.user,
            request=innsyn,
            legal_reference=request.POST.get("legal_reference", ""),
            explanation=request.POST.get("explanation", ""),
        )
    except services.InquiryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The request was refused; the requester was told how to appeal."))
    return redirect("inquiries:innsyn_detail", reference=reference)


def innsyn_download(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    try:
        innsyn = services.innsyn_by_download_token(token)
    except services.InquiryError as error:
        return render(request, "inquiries/link_problem.html", {"error": str(error)}, status=410)
    filename = f"{innsyn.entry.document_reference.replace('/', '-')}"
    response = FileResponse(
        innsyn.sent_file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Referrer-Policy"] = "no-referrer"
    return response


def innsyn_appeal(request: HttpRequest, token: str) -> HttpResponse:
    try:
        innsyn = services.innsyn_by_appeal_token(token)
    except services.InquiryError as error:
        return render(request, "inquiries/link_problem.html", {"error": str(error)}, status=410)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.innsyn_appeal(token=token, text=form.cleaned_data["text"])
        except services.InquiryError as error:
            form.add_error(None, str(error))
        else:
            return render(request, "inquiries/appeal_done.html", {"innsyn": innsyn})
    return render(request, "inquiries/appeal.html", {"form": form, "innsyn": innsyn})


# --- respondents -----------------------------------------------------------------------------------


def surveys(request: AuthedRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(actor=request.user, **form.cleaned_data)
        except services.InquiryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The survey was created."))
            return redirect("inquiries:survey", survey_id=survey.pk)
    return render(request, "inquiries/surveys.html", {"form": form, "surveys": Survey.objects.all()})


def survey_detail(request: AuthedRequest, survey_id: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    form = RespondentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.respondent_add(actor=request.user, survey=survey, **form.cleaned_data)
        except services.InquiryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The respondent was added."))
            return redirect("inquiries:survey", survey_id=survey.pk)
    respondents = survey.respondents.prefetch_related("fines")
    return render(
        request,
        "inquiries/survey.html",
        {
            "survey": survey,
            "form": form,
            "respondents": respondents,
            "fine_form": FineForm(),
            "past_deadline": timezone.localdate() > survey.deadline,
            "fine_prepared": FineStatus.PREPARED,
            "questions": survey.inquiries.all(),
        },
    )


def _survey_act(request: AuthedRequest, survey_id: int, action, success_count: str) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=survey_id)
    try:
        count = action(survey)
    except services.InquiryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success_count % {"count": count})
    return redirect("inquiries:survey", survey_id=survey.pk)


@require_POST
def survey_letters(request: AuthedRequest, survey_id: int) -> HttpResponse:
    return _survey_act(
        request,
        survey_id,
        lambda survey: services.survey_letters_send(actor=request.user, survey=survey),
        _("Letters sent: %(count)d."),
    )


@require_POST
def survey_reminders(request: AuthedRequest, survey_id: int) -> HttpResponse:
    return _survey_act(
        request,
        survey_id,
        lambda survey: services.survey_reminders_send(actor=request.user, survey=survey, now=timezone.now()),
        _("Reminders sent: %(count)d."),
    )


@require_POST
def respondent_reported(request: AuthedRequest, respondent_id: int) -> HttpResponse:
    respondent = get_object_or_404(Respondent, pk=respondent_id)
    try:
        services.respondent_mark_reported(actor=request.user, respondent=respondent)
    except services.InquiryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Marked as reported."))
    return redirect("inquiries:survey", survey_id=respondent.survey_id)


@require_POST
def fine_prepare(request: AuthedRequest, respondent_id: int) -> HttpResponse:
    respondent = get_object_or_404(Respondent, pk=respondent_id)
    form = FineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the amount per day and the date the fine runs from."))
    else:
        try:
            services.fine_prepare(actor=request.user, respondent=respondent, **form.cleaned_data)
        except services.InquiryError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The coercive fine decision is prepared."))
    return redirect("inquiries:survey", survey_id=respondent.survey_id)


@require_POST
def fine_send(request: AuthedRequest, fine_id: int) -> HttpResponse:
    fine = get_object_or_404(CoerciveFine.objects.select_related("respondent"), pk=fine_id)
    try:
        services.fine_letter_send(actor=request.user, fine=fine)
    except services.InquiryError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The letter on the coercive fine was sent."))
    return redirect("inquiries:survey", survey_id=fine.respondent.survey_id)
