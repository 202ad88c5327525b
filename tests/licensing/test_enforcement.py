import datetime
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, CaseStatus, Department, SubmissionKey
from cases.service_levels import business_days_add
from cases.workflow import get_workflow
from licensing import services
from licensing.exceptions import DisciplineRefused
from licensing.models import Complaint, DisciplinaryAction, License
from licensing.verification import verify_token
from licensing.workflow import KIND_COMPLAINT
from payments.models import Invoice
from tests.concurrency import run_together
from tests.licensing.license_factory import LicenseFactory

TODAY = timezone.localdate


@pytest.fixture
def department(db):
    return Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})[0]


@pytest.fixture
def license(db):
    return LicenseFactory(
        license_type__name="Plumber license",
        holder__full_name="Sam Pipes",
        business_name="Pipes & Sons",
    )


@pytest.fixture
def investigator(licensing_clerk):
    licensing_clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="licensing",
            codename__in=["add_disciplinaryaction", "view_complaint", "view_disciplinaryaction"],
        )
    )
    return licensing_clerk


def record(license, actor, **kwargs):
    kwargs.setdefault("public_summary", "Worked without a permit at 4 Elm St.")
    return services.disciplinary_action_record(license=license, actor=actor, **kwargs)


# --- complaints ----------------------------------------------------------------------------


def test_the_complaint_workflow_is_registered_as_data():
    # when
    workflow = get_workflow(KIND_COMPLAINT)

    # then
    assert workflow.prefix == "CMP"
    assert workflow.department_code == "LICENSING"
    assert {(t.source, t.target) for t in workflow.transitions} == {
        ("submitted", "in_review"),
        ("in_review", "resolved"),
        ("submitted", "closed"),
        ("in_review", "closed"),
        ("submitted", "withdrawn"),
        ("in_review", "withdrawn"),
    }


def test_a_resident_files_a_complaint_as_a_case_linked_to_the_license(
    license, resident, department
):
    # when
    complaint = services.complaint_file(
        license=license,
        details="  Left a leak behind.  ",
        occurred_on=datetime.date(2026, 5, 1),
        user=resident,
    )

    # then
    case = complaint.case
    assert case.kind == KIND_COMPLAINT
    assert case.reference.startswith("CMP-")
    assert case.status == CaseStatus.SUBMITTED
    assert case.applicant == resident
    assert case.department == department
    assert case.due_date == business_days_add(start=timezone.localdate(), days=60)
    assert complaint.license == license
    assert complaint.details == "Left a leak behind."
    assert complaint.occurred_on == datetime.date(2026, 5, 1)
    assert list(license.complaints.all()) == [complaint]
    events = [(e.kind, e.audience, e.text) for e in case.events.order_by("pk")]
    assert events[-2:] == [
        ("note", "staff", f"Complaint about license {license.number} (Sam Pipes)."),
        (
            "complaint_filed",
            "participants",
            f"Your complaint about Sam Pipes, Plumber license {license.number}: "
            "(on May 1, 2026)\nLeft a leak behind.",
        ),
    ]


def test_a_guest_files_a_complaint_with_a_name_and_e_mail(license, department):
    # when
    complaint = services.complaint_file(
        license=license, details="Rude and late.", guest_name="Ann Lee", guest_email="ann@x.org"
    )

    # then
    assert complaint.case.applicant is None
    assert (complaint.case.guest_name, complaint.case.guest_email) == ("Ann Lee", "ann@x.org")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"details": "  ", "guest_name": "Ann", "guest_email": "a@x.org"},
            "Tell us what happened.",
        ),
        (
            {"details": "Rude.", "guest_name": "", "guest_email": "a@x.org"},
            "Give your name and e-mail address so we can reply.",
        ),
        (
            {"details": "Rude.", "guest_name": "Ann", "guest_email": ""},
            "Give your name and e-mail address so we can reply.",
        ),
    ],
    ids=["no-details", "no-name", "no-email"],
)
def test_a_complaint_without_what_it_needs_is_refused(license, kwargs, message):
    # when
    with pytest.raises(ValueError) as refused:
        services.complaint_file(license=license, **kwargs)

    # then
    assert str(refused.value) == message
    assert Complaint.objects.count() == 0


def test_a_guest_complains_from_the_verification_page_and_errors_keep_the_values(
    client, license, department
):
    # given: the verification page links to the complaint form
    verify = client.get(reverse("licensing:verify", args=[verify_token(license=license)]))
    url = reverse("licensing:complain", args=[license.number])
    assert url in verify.text

    # when: a bad e-mail address and a date in the future
    tomorrow = TODAY() + datetime.timedelta(days=1)
    refused = client.post(
        url,
        {
            "name": "Ann Lee",
            "email": "ann-at-example",
            "details": "Left the water running.",
            "occurred_on": tomorrow.isoformat(),
        },
    )

    # then: nothing filed, the page says why at the top and keeps what was typed
    assert refused.status_code == 400
    assert Complaint.objects.count() == 0
    assert refused.context["form"].errors == {
        "email": ["Enter an e-mail address like name@example.com."],
        "occurred_on": ["The date cannot be in the future."],
    }
    assert "usa-alert--error" in refused.text
    assert 'value="Ann Lee"' in refused.text
    assert 'value="ann-at-example"' in refused.text
    assert "Left the water running.</textarea>" in refused.text

    # when: corrected
    response = client.post(
        url,
        {"name": "Ann Lee", "email": "ann@example.org", "details": "Left the water running."},
    )

    # then: filed, and the guest follows it by their signed link
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response.url.startswith("/cases/track/")
    followed = client.get(response.url)
    assert complaint.case.reference in followed.text
    assert complaint.case.guest_email == "ann@example.org"


def test_a_signed_in_resident_complains_without_giving_name_or_e_mail(
    client, license, resident, department
):
    # given
    client.force_login(resident)
    url = reverse("licensing:complain", args=[license.number])
    page = client.get(url)

    # when
    response = client.post(url, {"details": "No license shown in the shop."})

    # then
    complaint = Complaint.objects.get()
    assert set(page.context["form"].fields) == {"details", "occurred_on", "submission"}
    assert response.status_code == 302
    assert response.url == complaint.case.get_absolute_url()
    assert complaint.case.applicant == resident


def test_the_same_complaint_form_sent_twice_files_one_complaint(client, license, department):
    # given: the form as the browser got it, with its hidden key
    url = reverse("licensing:complain", args=[license.number])
    page = client.get(url)
    key = page.context["form"]["submission"].value()
    assert f'name="submission" value="{key}"' in page.text
    sent = {"name": "Ann Lee", "email": "ann@example.org", "details": "Flooded the street.",
            "submission": key}  # fmt: skip

    # when: a double click
    first = client.post(url, sent)
    second = client.post(url, sent)

    # then: one complaint, one case, and both answers lead to it
    complaint = Complaint.objects.get()
    assert Complaint.objects.filter(case__kind=KIND_COMPLAINT).count() == 1
    assert (first.status_code, second.status_code) == (302, 302)
    # each answer carries a guest link of its own, both to the one complaint
    for answer in (first, second):
        assert complaint.case.reference in client.get(answer.url).text
    assert str(SubmissionKey.objects.get(case=complaint.case).key) == str(key)


def test_a_form_key_that_filed_another_complaint_is_refused(client, license, department):
    # given: a complaint about another license, filed with a form's key
    key = uuid.uuid4()
    other = services.complaint_file(
        license=LicenseFactory(),
        details="Flooded the street.",
        guest_name="Ann Lee",
        guest_email="ann@example.org",
        submission=key,
    )
    url = reverse("licensing:complain", args=[license.number])

    # when: a form for this license arrives carrying the same key
    response = client.post(
        url,
        {"name": "Ann Lee", "email": "ann@example.org", "details": "Noise.", "submission": key},
    )

    # then: refused, saying why, and nothing filed
    assert response.status_code == 400
    assert "This form was sent for another complaint: nothing was sent." in response.text
    assert list(Complaint.objects.all()) == [other]
    assert SubmissionKey.objects.get(key=key).case_id == other.case_id

    # and the form comes back with a fresh key, so sending it again files it
    fresh = response.context["form"]["submission"].value()
    assert fresh != str(key)
    again = client.post(
        url,
        {"name": "Ann Lee", "email": "ann@example.org", "details": "Noise.", "submission": fresh},
    )
    assert again.status_code == 302
    assert Complaint.objects.filter(license=license).count() == 1


def test_a_new_form_files_a_new_complaint_and_errors_keep_the_key(client, license, department):
    # given
    url = reverse("licensing:complain", args=[license.number])
    first_key = client.get(url).context["form"]["submission"].value()
    refused = client.post(url, {"name": "Ann Lee", "submission": first_key})
    assert refused.status_code == 400
    assert f'value="{first_key}"' in refused.text
    details = {"name": "Ann Lee", "email": "ann@example.org", "details": "Flooded."}

    # when: the corrected form, then a second complaint from a fresh form
    client.post(url, {**details, "submission": first_key})
    second_key = client.get(url).context["form"]["submission"].value()
    client.post(url, {**details, "submission": second_key})

    # then
    assert second_key != first_key
    assert Complaint.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_complaint_sent_twice_at_once_files_one():
    # given: two requests carrying one form's key, arriving together
    Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})
    license = LicenseFactory()
    key = uuid.uuid4()

    def send(_i: int) -> int:
        return services.complaint_file(
            license=license,
            details="Twice at once.",
            guest_name="Ann Lee",
            guest_email="ann@example.org",
            submission=key,
        ).pk

    # when
    filed = run_together(2, send)

    # then: one complaint and one case; both callers got it
    assert Complaint.objects.count() == 1
    assert filed == [Complaint.objects.get().pk] * 2
    assert Complaint.objects.get().case.kind == KIND_COMPLAINT


def test_one_address_may_send_only_so_many_complaints_an_hour(
    client, license, department, settings
):
    # given
    settings.LICENSING_COMPLAINTS_PER_HOUR = 2
    url = reverse("licensing:complain", args=[license.number])
    data = {"name": "Ann Lee", "email": "ann@example.org", "details": "Again."}
    for _ in range(2):
        assert client.post(url, data).status_code == 302

    # when
    refused = client.post(url, data)

    # then
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors() == [
        "You have sent many complaints lately. Wait an hour, or call us."
    ]
    assert "Again.</textarea>" in refused.text
    assert Complaint.objects.count() == 2


def test_the_complaint_page_of_an_unknown_license_is_404(client, db):
    # when
    response = client.get(reverse("licensing:complain", args=["NOPE-2026-000001"]))

    # then
    assert response.status_code == 404


# --- disciplinary actions --------------------------------------------------------------------


def test_a_public_warning_shows_in_the_lookup_and_on_the_verification_page(client, license, clerk):
    # when
    action = record(license, clerk, kind="warning", internal_note="Second report this year.")

    # then: the status does not change, and the public reads the summary but not the note
    license.refresh_from_db()
    assert license.status == License.Status.ACTIVE
    assert (action.kind, action.starts_on, action.recorded_by) == ("warning", TODAY(), clerk)
    lookup = client.get(reverse("licensing:lookup"), {"q": license.number})
    verify = client.get(reverse("licensing:verify", args=[verify_token(license=license)]))
    for page in (lookup, verify):
        assert "Worked without a permit at 4 Elm St." in page.text
        assert "Second report this year." not in page.text


def test_a_private_action_is_not_shown_to_the_public(client, license, clerk):
    # when
    record(license, clerk, kind="warning", public=False, public_summary="Private matter.")

    # then
    lookup = client.get(reverse("licensing:lookup"), {"q": license.number})
    assert "Private matter." not in lookup.text
    assert lookup.context["page"].object_list[0].public_actions == []


def test_a_fine_invoices_the_holder(license, clerk):
    # when
    action = record(license, clerk, kind="fine", fine_cents=25000)

    # then
    invoice = action.invoice
    assert (invoice.purpose, invoice.payer, invoice.total_cents) == (
        "licensing.fine",
        license.holder,
        25000,
    )
    assert invoice.status == "open"
    assert invoice.description == f"Fine: license {license.number}"
    license.refresh_from_db()
    assert license.status == License.Status.ACTIVE


def test_a_fine_of_a_holder_without_an_account_goes_to_their_e_mail(clerk, db):
    # given
    license = LicenseFactory(holder=None, holder_name="Pat Doe", holder_email="pat@example.net")

    # when
    action = record(license, clerk, kind="fine", fine_cents=5000)

    # then
    assert (action.invoice.payer, action.invoice.guest_email) == (None, "pat@example.net")


def test_a_fine_nobody_can_be_billed_for_is_refused(clerk, db):
    # given
    license = LicenseFactory(holder=None, holder_name="Pat Doe", holder_email="")

    # when
    with pytest.raises(DisciplineRefused):
        record(license, clerk, kind="fine", fine_cents=5000)

    # then
    assert DisciplinaryAction.objects.count() == 0
    assert Invoice.objects.count() == 0


def test_a_suspension_suspends_until_its_end_date(license, clerk):
    # given
    ends_on = TODAY() + datetime.timedelta(days=10)

    # when
    record(license, clerk, kind="suspension", ends_on=ends_on)

    # then: suspended until the end date, active again from it, and a rerun changes nothing
    license.refresh_from_db()
    assert license.status == License.Status.SUSPENDED
    assert services.suspensions_end(today=ends_on - datetime.timedelta(days=1)) == 0
    license.refresh_from_db()
    assert license.status == License.Status.SUSPENDED
    assert services.suspensions_end(today=ends_on) == 1
    license.refresh_from_db()
    assert license.status == License.Status.ACTIVE
    assert services.suspensions_end(today=ends_on) == 0


@pytest.mark.parametrize(
    "days_after_expiry, status",
    [(-1, "active"), (0, "expired"), (30, "expired"), (31, "lapsed")],
)
def test_a_suspension_ending_after_expiry_gives_the_status_its_dates_call_for(
    clerk, db, days_after_expiry, status
):
    # given: a license with a 30-day grace period, suspended beyond its expiry
    license = LicenseFactory(
        license_type__grace_days=30,
        issued_on=TODAY() - datetime.timedelta(days=300),
        expires_on=TODAY() + datetime.timedelta(days=5),
    )
    end = license.expires_on + datetime.timedelta(days=days_after_expiry)
    record(license, clerk, kind="suspension", ends_on=end)

    # when
    changed = services.suspensions_end(today=end)

    # then
    license.refresh_from_db()
    assert changed == 1
    assert license.status == status


def test_a_later_suspension_keeps_the_license_suspended(license, clerk):
    # given
    first_end = TODAY() + datetime.timedelta(days=5)
    record(license, clerk, kind="suspension", ends_on=first_end)
    record(license, clerk, kind="suspension", ends_on=TODAY() + datetime.timedelta(days=20))

    # when
    changed = services.suspensions_end(today=first_end)

    # then
    license.refresh_from_db()
    assert changed == 0
    assert license.status == License.Status.SUSPENDED


def test_a_revocation_is_final(license, clerk):
    # given
    record(license, clerk, kind="suspension", ends_on=TODAY() + datetime.timedelta(days=3))
    record(license, clerk, kind="revocation")

    # when
    with pytest.raises(DisciplineRefused) as refused:
        record(license, clerk, kind="warning")
    changed = services.suspensions_end(today=TODAY() + datetime.timedelta(days=3))

    # then
    license.refresh_from_db()
    assert license.status == License.Status.REVOKED
    assert str(refused.value) == "This license is revoked: no further action can be taken."
    assert changed == 0
    assert license.disciplinary_actions.count() == 2


@pytest.mark.parametrize("status", ["expired", "lapsed"])
def test_only_a_license_in_force_can_be_suspended(clerk, db, status):
    # given
    license = LicenseFactory(status=status)

    # when
    with pytest.raises(DisciplineRefused):
        record(license, clerk, kind="suspension", ends_on=TODAY() + datetime.timedelta(days=3))

    # then
    license.refresh_from_db()
    assert license.status == status


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "suspension"}, "A suspension needs an end date after today."),
        (
            {"kind": "suspension", "ends_on": datetime.date(2020, 1, 1)},
            "A suspension needs an end date after today.",
        ),
        (
            {"kind": "warning", "ends_on": datetime.date(2099, 1, 1)},
            "Only a suspension has an end date.",
        ),
        ({"kind": "fine", "fine_cents": 0}, "A fine needs an amount above zero."),
        ({"kind": "warning", "fine_cents": 100}, "Only a fine has an amount."),
        (
            {"kind": "warning", "public_summary": " "},
            "Write the summary the public will read, or make the action private.",
        ),
        ({"kind": "probation"}, "Choose a warning, a fine, a suspension or a revocation."),
    ],
)
def test_impossible_actions_are_refused_and_change_nothing(license, clerk, kwargs, message):
    # when
    with pytest.raises(ValueError) as refused:
        record(license, clerk, **kwargs)

    # then
    license.refresh_from_db()
    assert str(refused.value) == message
    assert license.status == License.Status.ACTIVE
    assert DisciplinaryAction.objects.count() == 0


def test_residents_cannot_record_actions(license, resident):
    # when
    with pytest.raises(DisciplineRefused):
        record(license, resident, kind="revocation")

    # then
    license.refresh_from_db()
    assert license.status == License.Status.ACTIVE


def test_an_action_on_a_complaint_is_on_its_timeline(license, clerk, resident, department):
    # given
    complaint = services.complaint_file(license=license, details="Flooded.", user=resident)

    # when
    record(license, clerk, kind="fine", fine_cents=10000, complaint=complaint)

    # then
    events = CaseEvent.objects.filter(case=complaint.case).order_by("pk")
    assert [(e.kind, e.audience, e.text) for e in events][-2:] == [
        ("note", "staff", f"Disciplinary action recorded by {clerk}: Fine ($100.00)."),
        (
            "action_taken",
            "participants",
            "Action taken against the licensee: Worked without a permit at 4 Elm St.",
        ),
    ]


def test_a_complaint_about_another_license_is_refused(license, clerk, resident, department):
    # given
    other = LicenseFactory()
    complaint = services.complaint_file(license=other, details="Flooded.", user=resident)

    # when
    with pytest.raises(DisciplineRefused):
        record(license, clerk, kind="warning", complaint=complaint)

    # then
    assert DisciplinaryAction.objects.count() == 0


# --- what the database holds -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "suspension"},
        {"kind": "suspension", "ends_on": datetime.date(2026, 1, 1)},
        {"kind": "warning", "ends_on": datetime.date(2027, 1, 1)},
        {"kind": "fine"},
        {"kind": "warning", "fine_cents": 100},
        {"kind": "warning", "public_summary": ""},
        {"kind": "probation"},
    ],
    ids=[
        "suspension-without-end",
        "suspension-ending-before-start",
        "warning-with-end",
        "fine-without-amount",
        "warning-with-amount",
        "public-without-summary",
        "unknown-kind",
    ],
)
def test_the_database_refuses_impossible_actions(license, clerk, fields):
    # given
    values = {
        "license": license,
        "starts_on": datetime.date(2026, 1, 1),
        "public": True,
        "public_summary": "Summary.",
        "recorded_by": clerk,
        **fields,
    }

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        DisciplinaryAction.objects.create(**values)


def test_the_database_holds_one_revocation_per_license(license, clerk):
    # given
    values = {"license": license, "kind": "revocation", "starts_on": TODAY(), "recorded_by": clerk}
    DisciplinaryAction.objects.create(public=False, **values)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        DisciplinaryAction.objects.create(public=False, **values)


# --- the back office ---------------------------------------------------------------------------


def test_staff_record_a_suspension_from_the_license_admin(client, license, investigator):
    # given
    client.force_login(investigator)
    url = reverse("admin:licensing_license_discipline", args=[license.pk])
    change = client.get(reverse("admin:licensing_license_change", args=[license.pk]))
    assert url in change.text
    ends_on = (TODAY() + datetime.timedelta(days=14)).isoformat()

    # when: without an end date first, then with one
    refused = client.post(
        url, {"kind": "suspension", "public": "on", "public_summary": "Unsafe wiring."}
    )
    response = client.post(
        url,
        {
            "kind": "suspension",
            "ends_on": ends_on,
            "public": "on",
            "public_summary": "Unsafe wiring.",
        },
    )

    # then
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"ends_on": ["Give the day the suspension ends."]}
    assert "Unsafe wiring.</textarea>" in refused.text
    assert response.status_code == 302
    license.refresh_from_db()
    assert license.status == License.Status.SUSPENDED
    assert license.disciplinary_actions.get().ends_on.isoformat() == ends_on


def test_a_fine_from_the_admin_with_a_complaint_chosen(client, license, investigator, resident):
    # given
    Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})
    complaint = services.complaint_file(license=license, details="Flooded.", user=resident)
    client.force_login(investigator)
    url = reverse("admin:licensing_license_discipline", args=[license.pk])
    page = client.get(url, {"complaint": complaint.pk})

    # when
    response = client.post(
        url,
        {"kind": "fine", "fine": "75.50", "complaint": complaint.pk, "internal_note": "First."},
    )

    # then
    assert page.context["form"].initial["complaint"] == str(complaint.pk)
    assert response.status_code == 302
    action = DisciplinaryAction.objects.get()
    assert (action.fine_cents, action.complaint, action.public) == (7550, complaint, False)


def test_the_action_page_needs_the_permission(client, license, licensing_clerk):
    # given
    client.force_login(licensing_clerk)

    # when
    response = client.post(
        reverse("admin:licensing_license_discipline", args=[license.pk]), {"kind": "revocation"}
    )

    # then
    assert response.status_code == 403
    license.refresh_from_db()
    assert license.status == License.Status.ACTIVE


def test_the_complaint_admin_links_the_case_the_license_and_the_action_page(
    client, license, investigator, resident, department
):
    # given
    complaint = services.complaint_file(license=license, details="Flooded.", user=resident)
    client.force_login(investigator)

    # when
    listing = client.get(reverse("admin:licensing_complaint_changelist"))
    page = client.get(reverse("admin:licensing_complaint_change", args=[complaint.pk]))

    # then
    assert listing.status_code == 200
    assert complaint.case.reference in listing.text
    assert reverse("admin:cases_case_change", args=[complaint.case_id]) in page.text
    assert reverse("admin:licensing_license_discipline", args=[license.pk]) in page.text


# --- the holder is told ------------------------------------------------------------------------


def test_a_suspension_is_sent_to_the_holder(license, clerk):
    # given
    from notifications.models import Notification
    from notifications.rendering import render

    ends_on = datetime.date(2099, 6, 30)

    # when
    action = record(license, clerk, kind="suspension", ends_on=ends_on)

    # then: in the inbox at once, and an e-mail that says until when and why
    rows = {n.channel: n for n in Notification.objects.filter(recipient=license.holder)}
    assert set(rows) >= {"in_app", "email"}
    assert rows["in_app"].dedupe_key == f"licensing.action:{action.pk}:in_app"
    assert rows["in_app"].subject == f"License {license.number} is suspended"
    assert rows["in_app"].body == (
        f"License {license.number} is suspended until June 30, 2099. "
        "Worked without a permit at 4 Elm St."
    )
    email = render(rows["email"])
    assert "is suspended until June 30, 2099" in email.body
    assert "Worked without a permit at 4 Elm St." in email.body
    assert f"/licenses/licenses/{license.number}/" in email.body


def test_a_revocation_of_an_imported_license_is_e_mailed_to_the_holder(clerk, db):
    # given: a holder without an account
    from notifications.models import Notification

    license = LicenseFactory(holder=None, holder_name="Pat Doe", holder_email="pat@example.net")

    # when
    record(license, clerk, kind="revocation")

    # then
    [row] = Notification.objects.filter(to_address="pat@example.net")
    assert (row.channel, row.template_key) == ("email", "licensing/disciplinary_action")
    assert row.context["kind"] == "revocation"


def test_a_fine_is_told_by_its_invoice_only(license, clerk):
    # given
    from notifications.models import Notification

    # when
    record(license, clerk, kind="fine", fine_cents=2500)

    # then
    keys = set(Notification.objects.values_list("template_key", flat=True))
    assert "licensing/disciplinary_action" not in keys


def test_the_daily_task_ends_suspensions_and_is_on_the_beat_schedule(license, clerk, settings):
    # given: a suspension that ended yesterday (recorded earlier, its row dated back)
    from licensing.enforcement_tasks import end_suspensions

    action = record(license, clerk, kind="suspension", ends_on=TODAY() + datetime.timedelta(days=2))
    DisciplinaryAction.objects.filter(pk=action.pk).update(
        starts_on=TODAY() - datetime.timedelta(days=5), ends_on=TODAY() - datetime.timedelta(days=1)
    )

    # when
    first, second = end_suspensions.apply().get(), end_suspensions.apply().get()

    # then
    license.refresh_from_db()
    assert (first, second) == (1, 0)
    assert license.status == License.Status.ACTIVE
    assert settings.CELERY_BEAT_SCHEDULE["licensing-end-suspensions"]["task"] == (
        "licensing.end_suspensions"
    )


def test_a_complaint_with_invisible_formatting_characters_is_refused_and_kept(
    client, license, department
):
    # when
    refused = client.post(
        reverse("licensing:complain", args=[license.number]),
        {"name": "Ann \u202eeeL", "email": "ann@example.org", "details": "Rude\u200f."},
    )

    # then
    assert refused.status_code == 400
    assert refused.context["form"].errors == {
        "name": ["Remove the invisible formatting characters from this answer."],
        "details": ["Remove the invisible formatting characters from this answer."],
    }
    assert 'value="Ann \u202eeeL"' in refused.text
    assert Complaint.objects.count() == 0
