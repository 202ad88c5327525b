"""The workbench's case page: what it shows, each action with its confirmation, a stale
page refused with the case as it is now, roles, and documents previewed safely."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseMessage
from cases.work_items import work_item_open
from cases.workbench.models import MessageTemplate, MessageTemplateText
from cases.workbench.pages import case_page_url
from cases.workbench.queue import case_version
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import CaseFactory, DepartmentFactory, image_bytes, pdf_bytes
from tests.cases.workflows import TEST_PERMIT

pytestmark = pytest.mark.django_db


def staff(roles, **kwargs):
    person = StaffFactory(roles=roles, **kwargs)
    TOTP.activate(person, generate_totp_secret())
    return person


@pytest.fixture
def permits():
    return DepartmentFactory(code=TEST_PERMIT.department_code, name="Permits")


@pytest.fixture
def clerk(client, permits):
    person = staff([("clerk", permits)])
    client.force_login(person)
    return person


def page(reference: str, action: str = "") -> str:
    name = f"workbench:case_{action}" if action else "workbench:case"
    return reverse(name, kwargs={"reference": reference})


def version(case) -> str:
    return case_version(Case.objects.get(pk=case.pk))


def test_the_queue_links_to_the_case_page():
    case = CaseFactory()
    assert case_page_url(case) == f"/staff/cases/{case.reference}/"


def test_the_page_shows_the_case_its_timeline_messages_and_the_clerks_actions(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    services.case_add_note(case=case, author=clerk, body="Called the applicant")
    services.case_message_resident(case=case, author=clerk, body="Please send the site plan")

    response = client.get(page(case.reference))

    body = response.content.decode()
    assert response.status_code == 200
    assert case.reference in body and "Test permit" in body
    assert "Called the applicant" in body  # an internal note, on the staff timeline
    assert "Please send the site plan" in body
    assert "Change the status" in body and "Save the assignment" in body
    # the shortcuts are the script's: without it, no element announces one that does nothing
    assert "aria-keyshortcuts" not in body and 'data-shortcut="s"' in body
    # nor does a hint tell of keys that do nothing: it is hidden until the script shows it
    assert '<p class="usa-hint" id="shortcuts-help" hidden>' in body


def test_staff_who_do_not_reach_the_case_get_404(client, permits):
    roads = DepartmentFactory(code="ROADS", name="Roads")
    case = CaseFactory(department=permits)
    client.force_login(staff([("clerk", roads)]))

    assert client.get(page(case.reference)).status_code == 404


def test_a_resident_gets_403(client):
    case = CaseFactory()
    client.force_login(case.applicant)

    assert client.get(page(case.reference)).status_code == 403


def test_a_status_change_is_confirmed_first_then_made(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    data = {"to_status": "in_review", "public_note": "We started", "version": version(case)}

    asked = client.post(page(case.reference, "transition"), data)
    done = client.post(page(case.reference, "transition"), {**data, "confirmed": "yes"})

    assert asked.status_code == 200
    assert "Check before you confirm" in asked.content.decode()
    assert "We started" in asked.content.decode()
    assert done.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "in_review"


def test_a_stale_page_is_refused_with_the_case_as_it_is_now(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    seen = version(case)
    other = staff(["clerk"])
    services.case_assign(case=Case.objects.get(pk=case.pk), assignee=other, actor=other)

    moved = client.post(
        page(case.reference, "transition"),
        {"to_status": "in_review", "version": seen, "confirmed": "yes"},
    )
    assigned = client.post(page(case.reference, "assign"), {"assignee": clerk.pk, "version": seen})

    assert moved.status_code == 409
    assert "This case changed since you opened it" in moved.content.decode()
    assert str(other) in moved.content.decode()
    assert assigned.status_code == 409
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.assignee) == ("submitted", other)


def test_a_note_is_added(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))

    response = client.post(page(case.reference, "note"), {"note-body": "Site visit booked"})

    assert response.status_code == 302
    assert case.events.filter(kind="note", body="Site visit booked").exists()


def test_a_double_click_on_add_the_note_adds_it_once(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    shown = client.get(page(case.reference))
    typed = {"note-body": "Site visit booked", "note-after": shown.context["note_after"]}

    first = client.post(page(case.reference, "note"), typed)
    second = client.post(page(case.reference, "note"), typed)  # the same page posted again

    assert first.status_code == second.status_code == 302
    assert case.events.filter(kind="note", body="Site visit booked").count() == 1


def test_the_same_note_written_again_from_a_fresh_page_is_added(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    for _ in range(2):
        shown = client.get(page(case.reference))
        client.post(
            page(case.reference, "note"),
            {"note-body": "Called again", "note-after": shown.context["note_after"]},
        )

    assert case.events.filter(kind="note", body="Called again").count() == 2


def test_an_empty_note_is_shown_again_with_an_error(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))

    response = client.post(page(case.reference, "note"), {"note-body": ""})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_template_is_written_in_the_residents_language_and_checked_before_sending(client, clerk):
    applicant = UserFactory(preferred_language="es")
    case = CaseFactory(
        applicant=applicant, department=DepartmentFactory(code=TEST_PERMIT.department_code)
    )
    template = MessageTemplate.objects.create(name="Missing plan")
    MessageTemplateText.objects.create(template=template, language="en", body="Send the plan")
    MessageTemplateText.objects.create(template=template, language="es", body="Envíe el plano")

    asked = client.post(
        page(case.reference, "message"),
        {"message-template": template.pk, "message-body": "", "version": version(case)},
    )
    nothing_sent_yet = not CaseMessage.objects.exists()
    sent = client.post(
        page(case.reference, "message"),
        {"message-body": "Envíe el plano, por favor", "confirmed": "yes"},
    )

    assert asked.status_code == 200
    assert "Envíe el plano" in asked.content.decode()
    assert nothing_sent_yet
    assert sent.status_code == 302
    assert CaseMessage.objects.get().body == "Envíe el plano, por favor"


def test_an_inspector_may_not_message_or_move(client, permits):
    inspector = staff([("inspector", permits)])
    case = CaseFactory(department=permits)
    services.case_assign(case=case, assignee=inspector, actor=None)
    client.force_login(inspector)

    shown = client.get(page(case.reference))
    messaged = client.post(
        page(case.reference, "message"), {"message-body": "Hi", "confirmed": "yes"}
    )

    assert shown.status_code == 200
    assert "Message the resident" not in shown.content.decode()
    assert messaged.status_code == 403
    assert not CaseMessage.objects.exists()


def test_images_are_previewed_and_other_documents_are_not(client, clerk):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    photo = services.document_add(
        case=case,
        uploaded_by=case.applicant,
        upload=SimpleUploadedFile("pothole.png", image_bytes("PNG"), content_type="image/png"),
    )
    plan = services.document_add(
        case=case,
        uploaded_by=case.applicant,
        upload=SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    preview = reverse(
        "workbench:case_document", kwargs={"reference": case.reference, "document_id": 0}
    )[: -len("0/preview/")]

    shown = client.get(page(case.reference)).content.decode()
    image = client.get(f"{preview}{photo.pk}/preview/")
    pdf = client.get(f"{preview}{plan.pk}/preview/")

    assert f"{preview}{photo.pk}/preview/" in shown
    assert f"{preview}{plan.pk}/preview/" not in shown
    assert image.status_code == 200
    assert image["Content-Type"].startswith("image/")
    assert image["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert pdf.status_code == 404


def test_the_page_reads_the_same_queries_however_long_the_history(
    client, clerk, django_assert_max_num_queries
):
    short = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    long = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    for n in range(30):
        services.case_add_note(case=long, author=clerk, body=f"Note {n}")
        services.case_message_resident(case=long, author=clerk, body=f"Message {n}")

    client.get(page(short.reference))  # warm the per-process caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(page(short.reference))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page(long.reference))
    assert response.status_code == 200


# What each role in the case's department may do on the case page (not assigned to the case),
# as the permission table says (tests/cases/test_permissions.py::ALLOWED).
_MAY = {
    "clerk": {"view", "assign", "move", "message"},
    "reviewer": {"view", "move", "message"},
    "inspector": set(),
    "cashier": set(),
    "supervisor": {"view", "assign", "move", "message"},
    "administrator": {"view", "assign", "move", "message"},
}


@pytest.mark.parametrize("role", sorted(_MAY))
def test_each_role_sees_and_does_only_what_it_may_through_the_urls(client, permits, role):
    # given: a submitted case of the department, and a member of staff with `role` there
    case = CaseFactory(department=permits)
    person = staff([(role, permits)])
    client.force_login(person)

    # when: the page, then each action posted directly, confirmed, from a page of the case as
    # it stands (a stale page has its own test)
    shown = client.get(page(case.reference))
    posted = {
        "message": client.post(
            page(case.reference, "message"),
            {"message-body": "Hello", "version": version(case), "confirmed": "yes"},
        ),
        "assign": client.post(
            page(case.reference, "assign"), {"assignee": person.pk, "version": version(case)}
        ),
        "move": client.post(
            page(case.reference, "transition"),
            {"to_status": "in_review", "version": version(case), "confirmed": "yes"},
        ),
    }

    # then: what it may do is done; the rest is refused (403, or 404 for a case it may not
    # see) and changes nothing
    may = _MAY[role]
    assert (shown.status_code == 200) == ("view" in may)
    for action, response in posted.items():
        assert (response.status_code < 400) == (action in may), (action, response.status_code)
        if action not in may:
            assert response.status_code in (403, 404), (action, response.status_code)
    case = Case.objects.get(pk=case.pk)
    assert (case.status == "in_review") == ("move" in may)
    assert CaseMessage.objects.filter(case=case).exists() == ("message" in may)


def test_the_page_shows_the_work_in_parallel_with_its_owners_and_a_paused_clock(client, clerk):
    # given: a case waiting for the resident, with a review by another department assigned
    # to a reviewer and a check by a third that nobody has taken yet
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))
    fire = DepartmentFactory(code="FIRE", name="Fire")
    reviewer = staff([("reviewer", fire)], full_name="Robin Reviewer")
    work_item_open(case=case, department=fire, title="Fire review", actor=None, assignee=reviewer)
    water = DepartmentFactory(code="WATER", name="Water")
    work_item_open(case=case, department=water, title="Hydrant check", actor=None)
    Case.objects.filter(pk=case.pk).update(paused_at=timezone.now())

    # when
    body = client.get(page(case.reference)).content.decode()

    # then
    assert "Paused: waiting for the resident" in body
    work = body[body.index('id="work-items-heading"') :]
    assert "Fire review" in work and "Robin Reviewer" in work
    assert "Hydrant check" in work and "nobody yet" in work


# Digits Python's str.isdigit() accepts but int() refuses (superscript "2"), and a number
# past any id: a tampered page's hidden field.
TAMPERED_AFTER = ["\u00b2", "\u00b9\u00b2\u00b3", "9" * 30]


@pytest.mark.parametrize("after", TAMPERED_AFTER)
def test_a_tampered_note_marker_adds_the_note_never_a_server_error(client, clerk, after):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))

    response = client.post(
        page(case.reference, "note"), {"note-body": "Site visit booked", "note-after": after}
    )

    assert response.status_code == 302
    assert case.events.filter(kind="note", body="Site visit booked").count() == 1


@pytest.mark.parametrize("after", TAMPERED_AFTER)
def test_a_tampered_message_marker_sends_the_message_never_a_server_error(client, clerk, after):
    case = CaseFactory(department=DepartmentFactory(code=TEST_PERMIT.department_code))

    response = client.post(
        page(case.reference, "message"),
        {"message-body": "Please send the plan", "confirmed": "yes", "after": after},
    )

    assert response.status_code == 302
    assert CaseMessage.objects.filter(case=case, body="Please send the plan").count() == 1
