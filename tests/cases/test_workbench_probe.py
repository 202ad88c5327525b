"""The staff workbench tried as an attacker and as a careless user would: another
department's cases and documents reached by changing an id, a double click on "Send",
a `next` that leads off the site, and a name a spreadsheet would run in the CSV."""

import csv
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from cases.models import Case, CaseMessage
from cases.workbench import saved
from cases.workbench.models import MessageTemplate, MessageTemplateText, SavedQueueFilter
from cases.workbench.queue import case_version
from tests.accounts.factories import StaffFactory
from tests.cases.factories import CaseFactory, DepartmentFactory, image_bytes
from tests.cases.workflows import TEST_PERMIT

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example/phish"


def staff(roles, **kwargs):
    person = StaffFactory(roles=roles, **kwargs)
    TOTP.activate(person, generate_totp_secret())
    return person


@pytest.fixture
def permits():
    return DepartmentFactory(code=TEST_PERMIT.department_code, name="Permits")


@pytest.fixture
def roads():
    return DepartmentFactory(code="ROADS", name="Roads")


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_double_click_on_send_sends_the_message_once(client, permits):
    clerk = staff([("clerk", permits)])
    case = CaseFactory(department=permits)
    client.force_login(clerk)
    url = reverse("workbench:case_message", kwargs={"reference": case.reference})
    confirm = client.post(url, {"message-body": "Please send the site plan"})
    sent = {
        "message-body": "Please send the site plan",
        "confirmed": "yes",
        "version": confirm.context["version"],
        "after": confirm.context["after"],
    }

    first = client.post(url, sent)
    second = client.post(url, sent)

    assert first.status_code == 302
    assert second.status_code in (302, 409)
    assert CaseMessage.objects.filter(case=case).count() == 1


def test_the_same_words_sent_again_later_on_purpose_are_sent(client, permits):
    clerk = staff([("clerk", permits)])
    case = CaseFactory(department=permits)
    client.force_login(clerk)
    url = reverse("workbench:case_message", kwargs={"reference": case.reference})
    for _ in range(2):
        confirm = client.post(url, {"message-body": "Any news?"})
        client.post(
            url,
            {
                "message-body": "Any news?",
                "confirmed": "yes",
                "version": confirm.context["version"],
                "after": confirm.context["after"],
            },
        )

    assert CaseMessage.objects.filter(case=case).count() == 2


def test_a_document_of_another_departments_case_is_not_previewed_through_ones_own(
    client, permits, roads
):
    mine = CaseFactory(department=permits)
    theirs = CaseFactory(department=roads)
    photo = services.document_add(
        case=theirs,
        uploaded_by=theirs.applicant,
        upload=SimpleUploadedFile("x.png", image_bytes("PNG"), content_type="image/png"),
    )
    client.force_login(staff([("clerk", permits)]))

    through_mine = client.get(
        reverse(
            "workbench:case_document",
            kwargs={"reference": mine.reference, "document_id": photo.pk},
        )
    )
    direct = client.get(
        reverse(
            "workbench:case_document",
            kwargs={"reference": theirs.reference, "document_id": photo.pk},
        )
    )

    assert through_mine.status_code == 404
    assert direct.status_code == 404


def test_another_departments_case_cannot_be_moved_or_written_to(client, permits, roads):
    theirs = CaseFactory(department=roads)
    client.force_login(staff([("supervisor", permits)]))
    version = case_version(theirs)

    moved = client.post(
        reverse("workbench:case_transition", kwargs={"reference": theirs.reference}),
        {"to_status": "in_review", "confirmed": "yes", "version": version},
    )
    noted = client.post(
        reverse("workbench:case_note", kwargs={"reference": theirs.reference}),
        {"note-body": "mine now"},
    )

    assert moved.status_code == 404 and noted.status_code == 404
    assert Case.objects.get(pk=theirs.pk).status == theirs.status
    assert not theirs.events.filter(body="mine now").exists()


def test_a_get_never_changes_a_case(client, permits):
    case = CaseFactory(department=permits)
    client.force_login(staff([("supervisor", permits)]))

    for action in ("transition", "assign", "note", "message"):
        url = reverse(f"workbench:case_{action}", kwargs={"reference": case.reference})
        assert client.get(url, {"to_status": "in_review", "confirmed": "yes"}).status_code == 405


def test_the_bulk_export_leaves_out_ticked_cases_of_another_department(client, permits, roads):
    mine = CaseFactory(department=permits)
    theirs = CaseFactory(department=roads)
    client.force_login(staff([("clerk", permits)]))

    response = client.post(
        reverse("workbench:queue_bulk"),
        {
            "action": "export",
            "cases": [f"{mine.pk}:{case_version(mine)}", f"{theirs.pk}:{case_version(theirs)}"],
        },
    )

    references = [row[0] for row in _csv(response)[1:]]
    assert references == [mine.reference]


def test_a_next_off_the_site_is_never_followed(client, permits):
    clerk, other = staff([("clerk", permits)]), staff([("clerk", permits)])
    theirs = saved.saved_filter_save(user=other, name="Theirs", query="view=all")
    client.force_login(clerk)
    queue = reverse("workbench:queue")

    removed = client.post(
        reverse("workbench:saved_filter_remove", args=[theirs.pk]), {"next": EVIL}
    )
    bulk = client.post(reverse("workbench:queue_bulk"), {"action": "assign_me", "next": EVIL})
    unnamed = client.post(reverse("workbench:saved_filter_create"), {"next": "//evil.example"})

    assert [removed["Location"], bulk["Location"], unnamed["Location"]] == [queue] * 3
    assert SavedQueueFilter.objects.filter(pk=theirs.pk).exists()


def test_a_name_that_looks_like_a_formula_is_text_in_the_queue_csv(client, permits):
    clerk = staff([("clerk", permits)])
    schemer = staff([("clerk", permits)], full_name="=cmd|' /C calc'!A0")
    case = CaseFactory(department=permits)
    services.case_assign(case=case, assignee=schemer, actor=None)
    client.force_login(clerk)

    rows = _csv(client.get(reverse("workbench:queue_export"), {"view": "all"}))

    line = next(row for row in rows if row[0] == case.reference)
    assert line[4] == "'=cmd|' /C calc'!A0"


def test_a_double_click_on_the_bulk_message_sends_each_resident_one(client, permits):
    template = MessageTemplate.objects.create(name="Documents received")
    MessageTemplateText.objects.create(
        template=template, language="en", body="We received your documents."
    )
    case = CaseFactory(department=permits)
    client.force_login(staff([("clerk", permits)]))
    sent = {"action": "message", "cases": [f"{case.pk}:{case_version(case)}"]}
    sent["template"] = template.pk

    first = client.post(reverse("workbench:queue_bulk"), sent)
    second = client.post(reverse("workbench:queue_bulk"), sent)

    assert first.context["outcome"].done == [case.reference]
    assert second.context["outcome"].done == []
    assert "already" in second.context["outcome"].refused[0].reason
    assert CaseMessage.objects.filter(case=case).count() == 1
