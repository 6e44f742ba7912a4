"""Standard answers: one per written standard, managed by the information service and administrators,
offered only in the inquiry's reply language and only while in use (DOMAIN R-INFO-2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tilgang.audit.models import AuditEvent
from tilgang.inquiries import services
from tilgang.inquiries.models import MessageKind, ReplyTemplate

EN = {"Accept-Language": "en"}
NN_QUESTION = "Eg lurer på korleis eg får tilgang til mikrodata. Kva treng eg?"


@pytest.fixture
def standard(info):
    def make(key="mikrodata", topic="microdata", **versions):
        versions = versions or {
            "nb": ("Tilgang til mikrodata", "Forskere kan søke i portalen."),
            "nn": ("Tilgang til mikrodata (nn)", "Forskarar kan søkje i portalen."),
        }
        return services.standard_answer_create(actor=info, key=key, topic=topic, versions=versions)

    return make


def test_R_INFO_2_a_standard_answer_is_created_in_each_written_standard_given(info, standard):
    created = standard()
    assert sorted((t.key, t.language, t.topic) for t in created) == [
        ("mikrodata", "nb", "microdata"),
        ("mikrodata", "nn", "microdata"),
    ]
    events = AuditEvent.objects.filter(action="inquiries.standard_answer.created")
    assert events.count() == 2 and {e.actor_id for e in events} == {info.pk}
    assert {e.payload["language"] for e in events} == {"nb", "nn"}
    assert all("Forsk" not in str(e.payload) for e in events)  # codes only, no text


@pytest.mark.parametrize(
    ("key", "versions", "message"),
    [
        ("mikrodata", {"nb": ("Tittel", "Tekst")}, "exists"),
        ("ny-kode", {"nb": ("", ""), "nn": ("", "")}, "at least one language"),
        ("ny-kode", {"nn": ("Tittel", "")}, "both the title and the text"),
        ("Ikkje gyldig!", {"nb": ("Tittel", "Tekst")}, "lower-case letters"),
        ("ny-kode", {"se": ("Tittel", "Tekst")}, "Unknown language"),
    ],
)
def test_create_refuses_what_cannot_be_offered(info, standard, key, versions, message):
    standard()
    with pytest.raises(services.InquiryError, match=message):
        services.standard_answer_create(actor=info, key=key, topic="other", versions=versions)


def test_only_the_information_service_and_administrators_manage_standard_answers(make_user, standard):
    standard()
    officer = make_user("case_officer")
    with pytest.raises(services.InquiryError, match="Only the information service and administrators"):
        services.standard_answer_create(actor=officer, key="x1", topic="other", versions={"nb": ("T", "B")})
    with pytest.raises(services.InquiryError):
        services.standard_answer_retire(actor=officer, key="mikrodata")
    admin = make_user("administrator")
    services.standard_answer_create(actor=admin, key="x1", topic="other", versions={"en": ("T", "B")})
    services.standard_answer_retire(actor=admin, key="x1")
    assert ReplyTemplate.objects.get(key="x1").retired_at is not None


def test_R_INFO_2_update_changes_texts_and_topic_and_adds_the_missing_version(info, standard):
    standard()
    before = AuditEvent.objects.count()
    versions = services.standard_answer_update(
        actor=info,
        key="mikrodata",
        topic="statistics",
        versions={
            "nb": ("Tilgang til mikrodata", "Forskere kan søke i portalen."),  # unchanged text
            "nn": ("Tilgang til mikrodata", "Forskarar søkjer i portalen."),
            "en": ("Access to microdata", "Researchers apply in the portal."),
        },
    )
    assert [(v.language, v.topic) for v in versions] == [
        ("en", "statistics"),
        ("nb", "statistics"),
        ("nn", "statistics"),
    ]
    assert ReplyTemplate.objects.get(key="mikrodata", language="nn").body == "Forskarar søkjer i portalen."
    actions = list(AuditEvent.objects.filter(seq__gt=before).values_list("action", "payload__language"))
    assert sorted(actions) == [
        ("inquiries.standard_answer.updated", "nb"),  # the topic changed
        ("inquiries.standard_answer.updated", "nn"),
        ("inquiries.standard_answer.version_added", "en"),
    ]


def test_R_INFO_2_a_version_cannot_be_emptied(info, standard):
    standard()
    with pytest.raises(services.InquiryError, match="Norsk nynorsk cannot be emptied"):
        services.standard_answer_update(
            actor=info, key="mikrodata", topic="microdata", versions={"nb": ("T", "B"), "nn": ("", "")}
        )
    assert ReplyTemplate.objects.filter(key="mikrodata").count() == 2


def test_retire_and_reactivate_act_on_every_version_once(info, standard):
    standard()
    services.standard_answer_retire(actor=info, key="mikrodata")
    assert not ReplyTemplate.objects.filter(key="mikrodata", retired_at__isnull=True).exists()
    with pytest.raises(services.InquiryError, match="already retired"):
        services.standard_answer_retire(actor=info, key="mikrodata")
    # A version added to a retired answer is retired with it.
    services.standard_answer_update(
        actor=info,
        key="mikrodata",
        topic="microdata",
        versions={"nb": ("T", "B"), "nn": ("T", "B"), "en": ("Access", "Apply in the portal.")},
    )
    assert ReplyTemplate.objects.get(key="mikrodata", language="en").retired_at is not None
    services.standard_answer_reactivate(actor=info, key="mikrodata")
    assert ReplyTemplate.objects.filter(key="mikrodata", retired_at__isnull=True).count() == 3
    with pytest.raises(services.InquiryError, match="in use"):
        services.standard_answer_reactivate(actor=info, key="mikrodata")
    assert AuditEvent.objects.filter(action="inquiries.standard_answer.retired").count() == 2
    assert AuditEvent.objects.filter(action="inquiries.standard_answer.reactivated").count() == 3
    with pytest.raises(services.InquiryError, match="no standard answer"):
        services.standard_answer_retire(actor=info, key="nope")


def test_R_INFO_2_a_retired_answer_is_not_offered_and_old_replies_stay_intact(
    info, standard, ask, client_for, committed
):
    standard()
    inquiry = ask(text=NN_QUESTION)
    nn = ReplyTemplate.objects.get(key="mikrodata", language="nn")
    client = client_for(info)
    url = reverse("inquiries:inquiry", args=[inquiry.reference])
    page = client.get(f"{url}?mal={nn.pk}", headers=EN).content.decode()
    assert "Tilgang til mikrodata (nn)" in page and "Forskarar kan søkje i portalen." in page
    committed(services.inquiry_answer, actor=info, inquiry=inquiry, body=nn.body)

    services.standard_answer_update(
        actor=info,
        key="mikrodata",
        topic="microdata",
        versions={"nb": ("T", "Ny tekst."), "nn": ("T", "Ny tekst på nynorsk.")},
    )
    services.standard_answer_retire(actor=info, key="mikrodata")
    other = ask(text=NN_QUESTION, email="other@example.org")
    page = client.get(
        reverse("inquiries:inquiry", args=[other.reference]) + f"?mal={nn.pk}", headers=EN
    ).content.decode()
    assert 'id="id_mal"' not in page and "Ny tekst på nynorsk." not in page
    assert inquiry.messages.get(kind=MessageKind.REPLY).body == "Forskarar kan søkje i portalen."

    services.standard_answer_reactivate(actor=info, key="mikrodata")
    page = client.get(reverse("inquiries:inquiry", args=[other.reference]), headers=EN).content.decode()
    assert 'id="id_mal"' in page


def test_R_INFO_2_the_inquiry_page_names_standard_answers_missing_in_the_reply_language(
    info, standard, ask, client_for, make_user, section, section_member, committed
):
    standard(key="tabell", topic="statistics", nb=("Tall i statistikkbanken", "Tallene finner du …"))
    inquiry = ask(text=NN_QUESTION)
    page = client_for(info).get(reverse("inquiries:inquiry", args=[inquiry.reference]), headers=EN)
    text = page.content.decode()
    assert "Not yet written in Norwegian Nynorsk:" in text
    assert reverse("inquiries:standard_answer_edit", args=["tabell"]) in text
    # A section member sees what is missing but has no page to write it on.
    committed(services.inquiry_forward, actor=info, inquiry=inquiry, section=section)
    page = client_for(section_member).get(reverse("inquiries:inquiry", args=[inquiry.reference]), headers=EN)
    text = page.content.decode()
    assert "Tall i statistikkbanken" in text
    assert reverse("inquiries:standard_answer_edit", args=["tabell"]) not in text


def test_R_INFO_2_the_list_groups_by_topic_and_shows_missing_languages(info, standard, client_for):
    standard()
    standard(key="tabell", topic="statistics", nb=("Tall i statistikkbanken", "Tallene …"))
    standard(key="gammal", topic="other", en=("Old answer", "Old text"))
    services.standard_answer_retire(actor=info, key="gammal")
    page = client_for(info).get(reverse("inquiries:standard_answers"), headers=EN).content.decode()
    statistics, microdata = page.index("Statistics and figures"), page.index("Access to microdata")
    retired = page.index("Retired standard answers")
    assert statistics < page.index("Tall i statistikkbanken") < microdata
    assert microdata < page.index("Tilgang til mikrodata") < retired < page.index("Old answer")
    # Both answers in use lack at least one language; the retired one is not counted.
    assert "2 standard answers lack a language version" in page
    row = page[page.index('data-key="tabell"') :]
    row = row[: row.index("</tr>")]
    assert "Norsk nynorsk missing" in row and "English missing" in row and "Norsk bokmål missing" not in row


def test_pages_create_edit_retire_and_reactivate(info, client_for):
    client = client_for(info)
    response = client.post(
        reverse("inquiries:standard_answer_new"),
        {
            "key": "mikrodata",
            "topic": "microdata",
            "title_nn": "Tilgang til mikrodata",
            "body_nn": "Forskarar kan søkje om tilgang.",
            "title_nb": "",
            "body_nb": "",
            "title_en": "",
            "body_en": "",
        },
    )
    assert response.status_code == 302
    assert ReplyTemplate.objects.get(key="mikrodata").language == "nn"

    edit = reverse("inquiries:standard_answer_edit", args=["mikrodata"])
    page = client.get(edit, headers=EN).content.decode()
    assert "lacks a version in Norsk bokmål, English" in page and "Forskarar kan søkje om tilgang." in page
    response = client.post(
        edit,
        {
            "key": "changed-key",  # the code cannot be changed
            "topic": "microdata",
            "title_nn": "Tilgang til mikrodata",
            "body_nn": "Forskarar kan søkje om tilgang i portalen.",
            "title_nb": "Tilgang til mikrodata",
            "body_nb": "",
        },
        headers=EN,
    )
    assert response.status_code == 400
    assert "Write the text too, or empty the title." in response.content.decode()
    response = client.post(
        edit,
        {
            "key": "changed-key",
            "topic": "microdata",
            "title_nn": "Tilgang til mikrodata",
            "body_nn": "Forskarar kan søkje om tilgang i portalen.",
            "title_nb": "Tilgang til mikrodata",
            "body_nb": "Forskere kan søke om tilgang i portalen.",
        },
    )
    assert response.status_code == 302
    assert set(ReplyTemplate.objects.values_list("key", "language")) == {
        ("mikrodata", "nn"),
        ("mikrodata", "nb"),
    }

    response = client.post(
        edit,
        {"topic": "microdata", "title_nn": "", "body_nn": "", "title_nb": "T", "body_nb": "B"},
        headers=EN,
    )
    assert response.status_code == 400 and "cannot be emptied" in response.content.decode()

    client.post(reverse("inquiries:standard_answer_retire", args=["mikrodata"]))
    assert ReplyTemplate.objects.filter(retired_at__isnull=False).count() == 2
    response = client.post(reverse("inquiries:standard_answer_retire", args=["mikrodata"]), headers=EN)
    assert "already retired" in client.get(response.url, headers=EN).content.decode()
    client.post(reverse("inquiries:standard_answer_reactivate", args=["mikrodata"]))
    assert ReplyTemplate.objects.filter(retired_at__isnull=True).count() == 2
    assert client.get(reverse("inquiries:standard_answer_edit", args=["nope"])).status_code == 404


def test_new_page_refuses_an_answer_without_any_language(info, client_for):
    response = client_for(info).post(
        reverse("inquiries:standard_answer_new"), {"key": "tom", "topic": "other"}, headers=EN
    )
    assert response.status_code == 400
    assert "Write the standard answer in at least one language." in response.content.decode()
    assert not ReplyTemplate.objects.exists()


def test_the_menu_offers_standard_answers_to_the_information_service_and_administrators(
    make_user, client_for
):
    link = f'href="{reverse("inquiries:standard_answers")}"'
    for role, shown in [("information_service", True), ("administrator", True), ("case_officer", False)]:
        page = client_for(make_user(role)).get(reverse("core:home"), headers=EN).content.decode()
        assert (link in page) is shown, role
    admin = client_for(make_user("administrator"))
    assert admin.get(reverse("inquiries:standard_answers")).status_code == 200
    assert admin.get(reverse("inquiries:standard_answer_new")).status_code == 200
