import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, CaseMessage, CaseStatus
from cases.participants import participant_add, participant_confirm
from tests.accounts.factories import StaffFactory
from tests.cases.factories import PDF_BYTES

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:cases_case_changelist")


@pytest.fixture
def staff_client(client, case_clerk):
    client.force_login(case_clerk)
    return client


def _change(case):
    return reverse("admin:cases_case_change", args=[case.pk])


def _action(case, name):
    return reverse(f"admin:cases_case_{name}", args=[case.pk])


def test_staff_without_mfa_are_sent_to_set_it_up(client, clerk):
    client.force_login(clerk)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", True),
        ("?kind=test_permit", True),
        ("?kind=test_report", False),
        ("?status__exact=submitted", True),
        ("?status__exact=approved", False),
        ("?mine=me", True),
        ("?mine=none", False),
        ("?overdue=yes", True),
        ("?overdue=no", False),
        ("?q=Ana", True),
        ("?q=ana%40example.org", True),
        ("?q=nobody", False),
    ],
)
def test_case_list_with_filters_and_search(
    staff_client, case_clerk, make_case, department, query, shown
):
    # given: an overdue guest case assigned to the signed-in clerk
    late = make_case(applicant=None, guest_name="Ana Lopez", guest_email="ana@example.org")
    Case.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(1))
    services.case_assign(case=late, assignee=case_clerk, actor=case_clerk)

    # when
    response = staff_client.get(CHANGELIST + query)

    # then
    assert response.status_code == 200
    assert (late.reference in response.content.decode()) is shown


def test_case_list_search_by_reference_and_overdue_highlight(staff_client, make_case):
    # given
    late, other = make_case(), make_case()
    Case.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(1))

    # when
    found = staff_client.get(f"{CHANGELIST}?q={late.reference}").content.decode()
    overdue = staff_client.get(f"{CHANGELIST}?overdue=yes").content.decode()

    # then
    assert late.reference in found and other.reference not in found
    assert 'class="case-overdue"' in overdue
    assert other.reference not in overdue


def test_case_list_query_count_is_constant(
    staff_client, make_case, django_assert_max_num_queries, department
):
    # given
    assignees = [StaffFactory(), StaffFactory()]
    for index in range(3):
        services.case_assign(case=make_case(), assignee=assignees[index % 2], actor=assignees[0])
    with django_assert_max_num_queries(100) as few:
        staff_client.get(CHANGELIST)
    for index in range(30):
        services.case_assign(case=make_case(), assignee=assignees[index % 2], actor=assignees[0])
    make_case(applicant=None, guest_email="g@example.org")

    # when / then
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(CHANGELIST)
    assert response.status_code == 200


def test_assign_to_me_action(staff_client, case_clerk, make_case):
    cases = [make_case(), make_case()]

    response = staff_client.post(
        CHANGELIST,
        {"action": "assign_to_me", "_selected_action": [c.pk for c in cases]},
    )

    assert response.status_code == 302
    assert set(Case.objects.values_list("assignee", flat=True)) == {case_clerk.pk}
    assert CaseEvent.objects.filter(kind="assigned", actor=case_clerk).count() == 2


def test_change_page_shows_timeline_documents_messages_and_only_allowed_moves(
    staff_client, make_case, case_clerk
):
    # given
    case = make_case()
    services.case_add_note(case=case, author=case_clerk, body="Called them")
    document = services.document_add(
        case=case, uploaded_by=case.applicant, upload=ContentFile(PDF_BYTES, "lease.pdf")
    )
    services.case_reply(case=case, author=case.applicant, body="My reply")

    # when
    response = staff_client.get(_change(case))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "Called them" in page and "My reply" in page
    assert document.get_absolute_url() in page
    form = response.context["transition_form"]
    assert [value for value, _label in form.fields["to_status"].choices] == ["in_review"]
    assert 'name="_save"' not in page  # the case itself is read-only here
    assert CaseMessage.objects.get().read_at is None  # reading in admin marks nothing


def test_change_page_lists_the_people_on_the_case(staff_client, make_case):
    # given: a case with a confirmed contractor and a follower who has not confirmed yet
    case = make_case()
    contractor = participant_add(case=case, role="contractor", email="crew@example.org")
    participant_confirm(participant=contractor)
    participant_add(case=case, role="follower", phone="+12025550111")

    # when
    response = staff_client.get(_change(case))

    # then: each with their role, and whether they confirmed
    assert response.status_code == 200
    rows = [
        (form.instance.role, form.instance.confirmed)
        for form in response.context["inline_admin_formsets"][0].formset.forms
    ]
    assert rows == [("applicant", True), ("contractor", True), ("follower", False)]
    page = response.content.decode()
    assert "crew@example.org" in page and "+12025550111" in page and "Contractor" in page


def test_change_status_through_the_admin(staff_client, make_case, case_clerk):
    # given
    case = make_case()

    # when
    response = staff_client.post(
        _action(case, "transition"),
        {"to_status": "in_review", "public_note": "We started.", "note": "Looks complete"},
        follow=True,
    )

    # then
    assert response.redirect_chain == [(_change(case), 302)]
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert list(case.events.order_by("id").values_list("kind", "body"))[-2:] == [
        ("status_changed", "We started."),
        ("note", "Looks complete"),
    ]
    assert "Status changed to: Being reviewed." in response.content.decode()


@pytest.mark.parametrize(
    ("to_status", "error"),
    [
        ("approved", "That status change is not possible from the current status."),
        ("withdrawn", "You may not make that status change."),  # the applicant's move
        ("bogus", "Select a valid choice."),
    ],
)
def test_admin_refuses_moves_not_offered(staff_client, make_case, to_status, error):
    # given
    case = make_case()
    events_before = case.events.count()

    # when
    response = staff_client.post(_action(case, "transition"), {"to_status": to_status}, follow=True)

    # then
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.events.count() == events_before
    assert error in response.content.decode()


def test_admin_reports_a_move_made_while_the_page_was_open(staff_client, make_case):
    # given: the clerk's page offered "in review", then the resident withdrew
    case = make_case()
    page = staff_client.get(_change(case))
    offered = [v for v, _label in page.context["transition_form"].fields["to_status"].choices]
    services.transition(case=case, to_status=CaseStatus.WITHDRAWN, actor=case.applicant)

    # when
    response = staff_client.post(
        _action(case, "transition"), {"to_status": "in_review"}, follow=True
    )

    # then
    assert offered == ["in_review"]
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert "That status change is not possible from the current status." in (
        response.content.decode()
    )


def test_assign_note_and_message_through_the_admin(staff_client, make_case, case_clerk):
    # given
    case = make_case()

    # when
    staff_client.post(_action(case, "assign"), {"assignee": case_clerk.pk})
    staff_client.post(_action(case, "note"), {"note-body": "Internal remark"})
    staff_client.post(_action(case, "message"), {"message-body": "Please call us."})

    # then
    case.refresh_from_db()
    assert case.assignee == case_clerk
    assert list(case.events.order_by("id").values_list("kind", "audience", "body"))[1:] == [
        ("assigned", "staff", str(case_clerk)),
        ("note", "staff", "Internal remark"),
        ("message", "participants", "Please call us."),
    ]
    assert CaseMessage.objects.get().from_staff is True


def test_admin_action_urls_refuse_get_and_empty_posts(staff_client, make_case):
    case = make_case()
    assert staff_client.get(_action(case, "note")).status_code == 405
    response = staff_client.post(_action(case, "note"), {"note-body": ""}, follow=True)
    assert "This field is required." in response.content.decode()
    assert not case.events.filter(kind="note").exists()


def test_admin_actions_need_change_permission(client, make_case):
    # given: staff with MFA but no permission on cases
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    clerk = StaffFactory()
    TOTP.activate(clerk, generate_totp_secret())
    client.force_login(clerk)
    case = make_case()

    # when
    response = client.post(_action(case, "note"), {"note-body": "x"})

    # then
    assert response.status_code in (403, 404)
    assert not case.events.filter(kind="note").exists()


def test_cases_cannot_be_added_or_deleted_in_the_admin(staff_client, make_case):
    case = make_case()
    assert staff_client.get(reverse("admin:cases_case_add")).status_code == 403
    assert staff_client.get(reverse("admin:cases_case_delete", args=[case.pk])).status_code == 403


def test_department_admin_lists_departments(client, department):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Permission

    admin_user = StaffFactory(is_superuser=True)
    TOTP.activate(admin_user, generate_totp_secret())
    client.force_login(admin_user)

    response = client.get(reverse("admin:cases_department_changelist"))

    assert response.status_code == 200
    assert "Test Department" in response.content.decode()
    assert Permission.objects.filter(codename="change_department").exists()


def test_a_refused_status_change_keeps_what_the_clerk_typed(staff_client, make_case):
    # given: another clerk took the case into review while this one was writing
    case = make_case()
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=StaffFactory())

    # when
    response = staff_client.post(
        _action(case, "transition"),
        {"to_status": "in_review", "note": "Checked the plans", "public_note": "We are on it"},
    )

    # then: the page comes back with the error and both notes still in their fields
    assert response.status_code == 400
    body = response.content.decode()
    assert "That status change is not possible from the current status." in body
    assert "Checked the plans" in body
    assert "We are on it" in body


def test_an_empty_message_is_refused_with_the_form_error_on_the_page(staff_client, make_case):
    # given
    case = make_case()

    # when
    response = staff_client.post(_action(case, "message"), {"message-body": "   "})

    # then
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not CaseMessage.objects.exists()


def test_the_back_office_follows_the_staff_role(client, make_case, department, case_clerk):
    # given: two cases of the department, one assigned to an inspector who has the same
    # back-office permissions as the clerk
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    mine, other = make_case(), make_case()
    inspector = StaffFactory(roles=[("inspector", department)])
    inspector.user_permissions.add(*case_clerk.user_permissions.all())
    TOTP.activate(inspector, generate_totp_secret())
    services.case_assign(case=mine, assignee=inspector, actor=case_clerk)
    client.force_login(inspector)

    # when
    queue = client.get(CHANGELIST).content.decode()
    page = client.get(_change(mine)).content.decode()
    refused = client.post(_action(mine, "assign"), {"assignee": ""})

    # then: the queue and the page hold only what their role reaches; the refused
    # assignment is a message on the page, not an error
    assert mine.reference in queue and other.reference not in queue
    assert client.get(_change(other)).status_code == 302  # "does not exist"
    assert _action(mine, "note") in page
    assert _action(mine, "assign") not in page
    assert _action(mine, "message") not in page
    assert refused.status_code == 400
    assert "Your staff role does not allow this." in refused.content.decode()
    assert Case.objects.get(pk=mine.pk).assignee == inspector


def _queries(client, url) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_queue_shows_business_days_left_in_as_many_queries_for_any_number_of_cases(
    staff_client, make_case
):
    # given: two cases, one of them late
    late = make_case()
    make_case()
    Case.objects.filter(pk=late.pk).update(
        stage_due_date=timezone.localdate() - datetime.timedelta(7)
    )
    few, page = _queries(staff_client, CHANGELIST)

    # when: six more cases, due on other days
    for days in range(6):
        case = make_case()
        Case.objects.filter(pk=case.pk).update(
            due_date=timezone.localdate() + datetime.timedelta(days=days + 40)
        )
    many, more = _queries(staff_client, CHANGELIST)

    # then: the same queries; each row says how much is left or how late it is
    assert many == few
    assert "business days left)" in page
    assert more.count("(Overdue by ") == 1 and more.count('class="case-overdue"') == 1


def test_the_case_page_shows_its_service_level(staff_client, make_case):
    case = make_case()

    page = staff_client.get(_change(case)).content.decode()

    assert "business days left" in page
