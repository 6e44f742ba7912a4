"""Demo data of the information service: a section, standard answers, a few inquiries (one in nynorsk,
one overdue), journal entries with an innsyn request, and a survey with respondents.

Idempotent: does nothing once the demo section exists. Runs after the demo users exist."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tilgang.accounts.models import User
from tilgang.inquiries import services
from tilgang.inquiries.models import Channel, DocType, ReplyTemplate, Section, Topic

SECTION_CODE = "inntekt"

REPLY_TEMPLATES = [
    (
        "mikrodata",
        "nb",
        "Tilgang til mikrodata",
        "Takk for spørsmålet. Forskere ved godkjente institusjoner og offentlige organer kan søke om tilgang "
        "til mikrodata. Vi sender deg gjerne en invitasjon slik at du kan søke i portalen.",
    ),
    (
        "mikrodata",
        "nn",
        "Tilgang til mikrodata",
        "Takk for spørsmålet. Forskarar ved godkjende institusjonar og offentlege organ kan søkje om tilgang "
        "til mikrodata. Vi sender deg gjerne ein invitasjon slik at du kan søkje i portalen.",
    ),
    (
        "mikrodata",
        "en",
        "Access to microdata",
        "Thank you for your question. Researchers at approved institutions and public bodies can apply for "
        "access to microdata. We are happy to send you an invitation so that you can apply in the portal.",
    ),
    (
        "tabell",
        "nb",
        "Tall i statistikkbanken",
        "Takk for spørsmålet. Tallene du spør etter finner du i statistikkbanken under emnet inntekt og forbruk.",
    ),
    (
        "tabell",
        "nn",
        "Tal i statistikkbanken",
        "Takk for spørsmålet. Tala du spør etter, finn du i statistikkbanken under emnet inntekt og forbruk.",
    ),
    (
        "tabell",
        "en",
        "Figures in the statistics bank",
        "Thank you for your question. You find the figures in the statistics bank under income and consumption.",
    ),
]


REPLY_TOPICS = {"mikrodata": Topic.MICRODATA, "tabell": Topic.STATISTICS, "innsyn": Topic.OTHER}
# A standard answer not yet written in nynorsk: the portal shows it as missing (DOMAIN R-INFO-2).
REPLY_TEMPLATES += [
    (
        "innsyn",
        "nb",
        "Innsyn i journalen",
        "Takk for henvendelsen. Du kan be om innsyn i dokumenter i den offentlige journalen vår. Vi svarer "
        "normalt samme eller neste dag.",
    ),
    (
        "innsyn",
        "en",
        "Access to the public journal",
        "Thank you for your message. You can request access to documents in our public journal. We normally "
        "answer the same or the next day.",
    ),
]


def seed() -> None:
    if Section.objects.filter(code=SECTION_CODE).exists():
        return
    info = User.objects.filter(email="info@tilgang.example").first()
    if info is None:
        return
    members = list(
        User.objects.filter(email__in=["seksjonsleder@tilgang.example", "saksbehandler@tilgang.example"])
    )
    now = timezone.now()
    with transaction.atomic():
        section = services.section_create(
            actor=info,
            code=SECTION_CODE,
            name="Seksjon for inntekts- og lønnsstatistikk",
            email="inntekt@tilgang.example",
            members=members,
        )
        versions: dict[str, dict[str, tuple[str, str]]] = {}
        for key, language, title, body in REPLY_TEMPLATES:
            versions.setdefault(key, {})[language] = (title, body)
        for key, by_language in versions.items():
            if not ReplyTemplate.objects.filter(key=key).exists():
                services.standard_answer_create(
                    actor=info, key=key, topic=REPLY_TOPICS[key], versions=by_language
                )

        # A call from someone without e-mail: the answer is given by phone.
        services.inquiry_register_phone(
            actor=info,
            name="Per Telefon",
            phone="+47 912 34 567",
            topic=Topic.STATISTICS,
            text="Han lurer på hvor han finner boligprisene for Bergen de siste ti årene.",
            received_at=now - timedelta(hours=1),
        )

        services.inquiry_create(
            channel=Channel.WEB,
            name="Ola Nynorsk",
            email="ola@example.org",
            topic=Topic.MICRODATA,
            text="Hei! Eg er stipendiat og lurer på korleis eg kan søkje om tilgang til mikrodata om inntekt. "
            "Kva treng eg for å kome i gang, og kor lang tid tek det?",
        )
        # Received well over two working days ago: past its due time.
        services.inquiry_create(
            channel=Channel.EMAIL,
            name="Kari Bokmål",
            email="kari@example.org",
            subject="Spørsmål om lønnsstatistikk",
            text="Hei, jeg finner ikke tallene for gjennomsnittlig månedslønn per næring for 2025. Hvor ligger de?",
            received_at=now - timedelta(days=7),
        )
        english = services.inquiry_create(
            channel=Channel.WEB,
            name="Alex Researcher",
            email="alex@example.org",
            topic=Topic.STATISTICS,
            text="Hello, could you tell me how household income is defined in your income statistics? Thanks!",
        )
        services.inquiry_forward(
            actor=info, inquiry=english, section=section, note="Definisjonsspørsmål om husholdningsinntekt."
        )
        answered = services.inquiry_create(
            channel=Channel.WEB,
            name="Nils Svar",
            email="nils@example.org",
            text="Hvor finner jeg befolkningstall for kommunene?",
        )
        services.inquiry_answer(
            actor=info,
            inquiry=answered,
            body="Takk for spørsmålet. Befolkningstallene finner du i statistikkbanken, tabell 07459.",
        )

        today = timezone.localdate()
        case = services.journal_case_number_new()
        services.journal_record(
            actor=info,
            case_number=case,
            doc_type=DocType.INCOMING,
            title="Søknad om tilgang til mikrodata – inntekt og utdanning 2010–2024",
            party="Universitetet i Oslo",
            document_date=today - timedelta(days=3),
            screened=False,
            legal_reference="",
            document_file=b"Soknad om tilgang til mikrodata (demo).\n",
        )
        services.journal_record(
            actor=info,
            case_number=case,
            doc_type=DocType.INTERNAL,
            title="Juridisk vurdering av søknad fra Frida Forsker",
            party="",
            personal_names=["Frida Forsker"],
            document_date=today - timedelta(days=2),
            screened=True,
            legal_reference="Offl. § 13 jf. statistikkloven § 7",
        )
        decision = services.journal_record(
            actor=info,
            case_number=case,
            doc_type=DocType.OUTGOING,
            title="Vedtak om tilgang til mikrodata",
            party="Frida Forsker",
            party_is_person=True,
            document_date=today - timedelta(days=1),
            screened=True,
            legal_reference="Offl. § 13 jf. statistikkloven § 7",
            document_file=b"Vedtak (demo), med personopplysninger.\n",
            public_file=b"Vedtak (demo), skjermet kopi: ***** er fjernet.\n",
        )
        services.journal_record(
            actor=info,
            case_number=services.journal_case_number_new(year=today.year - 1),
            doc_type=DocType.INCOMING,
            title="Søknad om endring av prosjekt – nye prosjektdeltakere",
            party="Per Prosjektdeltaker",
            party_is_person=True,
            document_date=today - timedelta(days=420),
            journal_date=today - timedelta(days=418),
            screened=False,
            legal_reference="",
        )
        services.innsyn_request_create(
            entry=decision,
            email="journalist@example.org",
            name="Jo Journalist",
            message="Ber om innsyn i vedtaket.",
        )

        deadline = today - timedelta(days=3)
        survey = services.survey_create(
            actor=info,
            code="lonn-2026",
            name="Lønnsstatistikk for virksomheter 2026",
            what_to_report="Lønn, arbeidstid og stilling for hver ansatt per 1. oktober.",
            how_to_report="Logg inn i Altinn og fyll ut skjema RA-0001, eller send fil fra lønnssystemet.",
            deadline=deadline,
            contact_name="Seksjon for inntekts- og lønnsstatistikk",
            contact_email="inntekt@tilgang.example",
            contact_phone="+47 21 09 00 00",
            obligatory=True,
            legal_reference="statistikkloven § 10",
            fine_legal_reference="statistikkloven § 21",
        )
        respondents = [
            ("Fjordbakst AS", "912345678", "Fjordbakst AS, avdeling Bergen", "post@fjordbakst.example", "nn"),
            ("Nordlys Regnskap AS", "923456789", "Nordlys Regnskap AS", "lonn@nordlys.example", "nb"),
            ("Oslo Sykkel AS", "934567890", "Oslo Sykkel AS", "hr@oslosykkel.example", "nb"),
        ]
        added = [
            services.respondent_add(
                actor=info,
                survey=survey,
                name=name,
                identifier=orgnr,
                reporting_for=unit,
                email=email,
                language=language,
            )
            for name, orgnr, unit, email, language in respondents
        ]
        services.survey_letters_send(actor=info, survey=survey)
        services.respondent_mark_reported(actor=info, respondent=added[1])
        services.inquiry_create(
            channel=Channel.EMAIL,
            name="Fjordbakst AS",
            email="post@fjordbakst.example",
            subject="Spørsmål om oppgåveplikta",
            text="Vi har berre to tilsette. Må vi likevel rapportere til lønnsstatistikken?",
            survey=survey,
        )
    # The overdue inquiry is flagged as the sweep would.
    services.inquiries_flag_overdue(now=now)
