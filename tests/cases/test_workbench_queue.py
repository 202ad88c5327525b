"""The workbench's "My work" queue: views and counts, filters, order, scope by role, the
query count as cases grow, the CSV, and the start page."""

import csv
import datetime
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import permissions, services
from cases.areas.models import Area
from cases.models import Case
from cases.workbench import nav
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import CaseFactory, DepartmentFactory
from tests.cases.workflows import TEST_PERMIT, TEST_REPORT

pytestmark = pytest.mark.django_db

QUEUE = reverse("workbench:queue")


def staff(roles, **kwargs):
    person = StaffFactory(roles=roles, **kwargs)
    TOTP.activate(person, generate_totp_secret())
    return person


@pytest.fixture
def signed_in(client):
    def sign_in(person):
        client.force_login(person)
        return client

    return sign_in


@pytest.fixture
def departments():
    return (
        DepartmentFactory(code=TEST_PERMIT.department_code, name="Permits"),
        DepartmentFactory(code="ROADS", name="Roads"),
    )


def references(response) -> list[str]:
    return [row["case"].reference for row in response.context["rows"]]


def counts(response) -> dict[str, int]:
    return {view["key"]: view["count"] for view in response.context["views"]}


def test_each_view_holds_what_its_name_says_with_its_count(signed_in, departments):
    permits, roads = departments
    clerk = staff([("clerk", permits)])
    mine = CaseFactory()
    services.case_assign(case=mine, assignee=clerk, actor=None)
    unassigned = CaseFactory()
    waiting = CaseFactory()
    services.transition(case=waiting, to_status="in_review", actor=clerk)
    services.transition(case=waiting, to_status="awaiting_info", actor=clerk)
    overdue = CaseFactory()
    due_soon = CaseFactory()
    # Every case due in a month, but for one overdue and one due in two days.
    today = timezone.localdate()
    Case.objects.update(
        stage_due_date=today + datetime.timedelta(days=30),
        due_date=today + datetime.timedelta(days=30),
    )
    Case.objects.filter(pk=overdue.pk).update(
        stage_due_date=timezone.localdate() - datetime.timedelta(days=3)
    )
    Case.objects.filter(pk=due_soon.pk).update(
        stage_due_date=timezone.localdate() + datetime.timedelta(days=2)
    )
    CaseFactory(department=roads)  # another department's: never in this clerk's queue
    client = signed_in(clerk)

    response = client.get(QUEUE, {"view": "unassigned"})

    assert response.status_code == 200
    assert counts(response) == {
        "mine": 1,
        "department": 5,
        "unassigned": 4,
        "waiting": 1,
        "overdue": 1,
        "due_week": 1,
        "all": 5,
    }
    assert set(references(response)) == {
        unassigned.reference,
        waiting.reference,
        overdue.reference,
        due_soon.reference,
    }
    assert references(client.get(QUEUE, {"view": "mine"})) == [mine.reference]
    assert references(client.get(QUEUE, {"view": "waiting"})) == [waiting.reference]
    assert references(client.get(QUEUE, {"view": "overdue"})) == [overdue.reference]
    assert references(client.get(QUEUE, {"view": "due_week"})) == [due_soon.reference]


def test_a_row_shows_service_name_resident_status_age_and_service_level(signed_in, departments):
    clerk = staff(["clerk"])
    case = CaseFactory()
    services.case_assign(case=case, assignee=clerk, actor=None)
    Case.objects.filter(pk=case.pk).update(
        stage_due_date=timezone.localdate() - datetime.timedelta(days=7),
        submitted_at=timezone.now() - datetime.timedelta(days=9),
    )

    response = signed_in(clerk).get(QUEUE)
    page = response.content.decode().split('id="queue-table"')[1].split("</table>")[0]

    assert "Test permit" in page
    assert "Received" in page  # the resident-facing label, never the code
    assert "test_permit" not in page
    assert "Sent 9 days ago" in page
    assert "Overdue by" in page  # in words, beside its colour
    assert f'href="/staff/cases/{case.reference}/"' in page


def test_the_status_filter_offers_only_the_chosen_services_statuses_by_their_names(
    signed_in, departments
):
    clerk = staff(["clerk"])
    client = signed_in(clerk)

    without = client.get(QUEUE, {"view": "all"}).context["form"].fields["status"].choices
    with_service = (
        client.get(QUEUE, {"view": "all", "kind": TEST_REPORT.kind})
        .context["form"]
        .fields["status"]
        .choices
    )

    assert without == [("", "Any status")]
    assert with_service == [
        ("", "Any status"),
        ("submitted", "Reported"),
        ("in_progress", "Being fixed"),
        ("resolved", "Fixed"),
    ]


def test_filters_by_service_status_department_and_date_and_sorts(signed_in, departments):
    _permits, roads = departments
    clerk = staff(["clerk"])
    permit = CaseFactory()
    report = CaseFactory(kind=TEST_REPORT.kind)
    services.transition(case=report, to_status="in_progress", actor=clerk)
    road_report = CaseFactory(kind=TEST_REPORT.kind, department=roads)
    Case.objects.filter(pk=road_report.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=40)
    )
    client = signed_in(clerk)

    by_service = client.get(QUEUE, {"view": "all", "kind": TEST_REPORT.kind, "sort": "reference"})
    by_status = client.get(
        QUEUE, {"view": "all", "kind": TEST_REPORT.kind, "status": "in_progress"}
    )
    by_department = client.get(QUEUE, {"view": "all", "department": roads.pk})
    recent = client.get(
        QUEUE,
        {"view": "all", "submitted_from": (timezone.localdate() - datetime.timedelta(days=5))},
    )
    oldest_first = client.get(QUEUE, {"view": "all", "sort": "oldest"})

    assert references(by_service) == sorted([report.reference, road_report.reference])
    assert references(by_status) == [report.reference]
    assert references(by_department) == [road_report.reference]
    assert set(references(recent)) == {permit.reference, report.reference}
    assert references(oldest_first)[0] == road_report.reference
    assert counts(by_department)["all"] == 1


def test_a_status_of_another_service_is_an_error_not_a_raw_filter(signed_in, departments):
    clerk = staff(["clerk"])
    CaseFactory()

    response = signed_in(clerk).get(
        QUEUE, {"view": "all", "kind": TEST_REPORT.kind, "status": "awaiting_info"}
    )

    assert response.status_code == 200
    assert "status" in response.context["form"].errors
    assert response.context["filters"].status == ""


def test_pages_of_25(signed_in, departments):
    clerk = staff(["clerk"])
    for _ in range(27):
        CaseFactory()
    client = signed_in(clerk)

    first = client.get(QUEUE, {"view": "all"})
    second = client.get(QUEUE, {"view": "all", "page": 2})

    assert len(references(first)) == 25
    assert len(references(second)) == 2
    assert not set(references(first)) & set(references(second))
    assert "?view=all&amp;page=2" in first.content.decode()


def _many_cases(count: int, department, assignee) -> None:
    """`count` cases written straight to the table (the engine's services would take
    minutes for ten thousand); every row is one the database accepts."""
    now = timezone.now()
    today = timezone.localdate()
    Case.objects.bulk_create(
        [
            Case(
                reference=f"TST-2026-{900000 + n:06d}",
                kind=TEST_PERMIT.kind,
                status="in_review" if n % 2 else "submitted",
                guest_email=f"guest{n}@example.org",
                department=department,
                assignee=assignee if n % 3 == 0 else None,
                submitted_at=now - datetime.timedelta(days=n % 50),
                due_date=today + datetime.timedelta(days=(n % 40) - 10),
                stage_due_date=today + datetime.timedelta(days=(n % 20) - 5),
                paused_at=now if n % 7 == 0 else None,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )


@pytest.mark.parametrize("count", [10, 10_000])
def test_the_queue_reads_the_same_number_of_queries_however_many_cases(
    signed_in, departments, count, django_assert_max_num_queries
):
    permits, _roads = departments
    clerk = staff([("clerk", permits)])
    _many_cases(count, permits, clerk)
    # Half the cases in one area, the rest in another.
    north = Area.objects.create(code="north", name="North", postal_codes=["62702"])
    south = Area.objects.create(code="south", name="South", postal_codes=["62704"])
    Case.objects.annotate(odd=F("pk") % 2).filter(odd=0).update(area=north)
    Case.objects.filter(area__isnull=True).update(area=south)
    client = signed_in(clerk)
    # The sidebar lists what every service registered; what its checks read is theirs, and
    # the same on every workbench page.
    permissions.grants(clerk)
    with CaptureQueriesContext(connection) as navigation:
        nav.items_for(clerk)

    # The session's user, their authenticator and roles; the page count, the views' counts,
    # the page (its cases' areas joined), its holidays; the departments, areas, saved
    # filters, assignable staff and message templates of the forms.
    with django_assert_max_num_queries(12 + len(navigation)):
        response = client.get(QUEUE, {"view": "department", "sort": "due"})
    # By area: the same queries, whatever the number of cases.
    with django_assert_max_num_queries(12 + len(navigation)):
        by_area = client.get(QUEUE, {"view": "department", "area": north.pk})

    assert response.status_code == 200
    assert counts(response)["department"] == count
    assert len(references(response)) == min(count, 25)
    assert counts(by_area)["department"] == count // 2
    assert len(references(by_area)) == min(count // 2, 25)
    assert {row["area"] for row in by_area.context["rows"]} == {"North"}


def test_an_inspector_sees_only_the_cases_assigned_to_them(signed_in, departments):
    permits, _roads = departments
    inspector = staff([("inspector", permits)])
    theirs = CaseFactory()
    services.case_assign(case=theirs, assignee=inspector, actor=None)
    CaseFactory()

    response = signed_in(inspector).get(QUEUE, {"view": "all"})

    assert references(response) == [theirs.reference]
    assert counts(response)["department"] == 1


@pytest.mark.parametrize("url_name", ["workbench:queue", "workbench:queue_export"])
def test_a_cashier_may_not_open_the_queue_and_is_told_why(signed_in, departments, url_name):
    cashier = staff(["cashier"])
    CaseFactory()

    response = signed_in(cashier).get(reverse(url_name))

    assert response.status_code == 403
    assert "Your staff role does not let you see cases." in response.content.decode()


def test_a_resident_is_refused_the_queue(client, departments):
    client.force_login(UserFactory())

    assert client.get(QUEUE).status_code == 403


def test_the_csv_streams_every_case_of_the_view_in_words(signed_in, departments):
    permits, roads = departments
    clerk = staff([("clerk", permits)])
    case = CaseFactory()
    CaseFactory(department=roads)
    for _ in range(30):
        CaseFactory()

    response = signed_in(clerk).get(reverse("workbench:queue_export"), {"view": "all"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Reference", "Service", "Status"]
    assert len(rows) == 32  # every page, the other department's case left out
    line = next(row for row in rows if row[0] == case.reference)
    assert line[1:4] == ["Test permit", "Received", "Permits"]


def test_the_start_page_shows_the_queue_counts_and_my_work_comes_first(signed_in, departments):
    clerk = staff(["clerk"])
    services.case_assign(case=CaseFactory(), assignee=clerk, actor=None)

    response = signed_in(clerk).get(reverse("workbench:home"))

    assert response.status_code == 200
    shown = {row["key"]: row["count"] for row in response.context["queue_counts"]}
    assert shown["mine"] == 1
    assert response.context["workbench_nav"][0].label == "My work"
    assert response.context["workbench_nav"][0].url == QUEUE
    assert all(item.url != QUEUE for item in nav.items_for(staff(["cashier"])))


def test_column_headings_order_the_list_and_turn_it_round(signed_in, departments):
    clerk = staff(["clerk"])
    older, newer = CaseFactory(), CaseFactory()
    Case.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=3)
    )
    client = signed_in(clerk)

    first = client.get(QUEUE, {"view": "all"})
    oldest = client.get(f"{QUEUE}?{first.context['sort_links']['age']['query']}")
    newest = client.get(f"{QUEUE}?{oldest.context['sort_links']['age']['query']}")

    assert first.context["sort_links"]["age"]["query"] == "view=all&sort=oldest"
    assert references(oldest) == [older.reference, newer.reference]
    assert references(newest) == [newer.reference, older.reference]
    assert newest.context["sort_links"]["age"]["aria_sort"] == "descending"
    assert 'aria-sort="descending"' in newest.content.decode()
