import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cases.exceptions import TransitionNotAllowed
from cases.models import CaseEvent
from cases.questions.models import Question
from cases.workflow import get_workflow
from licensing import services
from licensing.exceptions import (
    AlreadyPaid,
    ApplicationIncomplete,
    DecisionForbidden,
    RenewalAlreadyOpen,
    RenewalNotOpen,
)
from licensing.fees import agency_today, renewal_fee
from licensing.models import Application, LicenseEvent
from licensing.workflow import RENEWAL_KIND
from payments.models import InvoiceStatus
from payments.services import payment_record_counter
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory, QuestionFactory
from tests.payments.factories import InvoiceFactory

D = datetime.date
TODAY = timezone.localdate


def _days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def barber_type(db):
    """Renewal window 90 days, grace 30, fees $40 + $15 late, auto-approval, one attestation."""
    license_type = LicenseTypeFactory(
        renewal_fee_cents=4000,
        late_fee_cents=1500,
        term_months=12,
        renewal_window_days=90,
        grace_days=30,
        auto_approve_renewals=True,
    )
    QuestionFactory(
        license_type=license_type,
        code="changed",
        label="Has anything changed?",
        kind=Question.Kind.YES_NO,
        for_renewal=True,
        review_answer="yes",
    )
    QuestionFactory(
        license_type=license_type,
        code="hours",
        label="Continuing education hours",
        kind=Question.Kind.NUMBER,
        for_renewal=True,
    )
    return license_type


def _fill(application, actor, *, changed="no", by_link=False, **answers):
    return services.renewal_save(
        application=application,
        actor=actor,
        by_link=by_link,
        holder_name="Robin Barber",
        email="robin@example.org",
        address="1 Main St",
        answers={"changed": changed, "hours": "12", **answers},
    )


def _pay(application, clerk):
    invoice = services.renewal_request_payment(application=application, actor=application.applicant)
    payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=clerk
    )
    application.refresh_from_db()
    application.case.refresh_from_db()
    return invoice


# --- fees in the agency's calendar ------------------------------------------------------


EXPIRY = D(2027, 3, 1)


@pytest.mark.parametrize(
    ("today", "renewal", "late", "valid_until"),
    [
        (D(2026, 12, 1), 4000, 0, D(2027, 2, 28)),  # the day the 90-day window opens
        (D(2027, 2, 28), 4000, 0, D(2027, 2, 28)),  # the eve of expiry: still on time
        (D(2027, 3, 1), 4000, 1500, D(2027, 3, 31)),  # expiry day: in grace, late fee
        (D(2027, 3, 31), 4000, 1500, D(2027, 3, 31)),  # last day of grace
    ],
)
def test_renewal_fee_on_time_and_in_grace(barber_type, today, renewal, late, valid_until):
    # given
    license = LicenseFactory(license_type=barber_type, expires_on=EXPIRY)

    # when
    fee = renewal_fee(license=license, today=today)

    # then
    assert (fee.renewal_cents, fee.late_cents, fee.valid_until) == (renewal, late, valid_until)
    assert fee.total_cents == renewal + late


@pytest.mark.parametrize(
    ("today", "message"),
    [
        (D(2026, 11, 30), "Renewal opens on 2026-12-01, 90 days before your license expires."),
        (
            D(2027, 4, 1),
            "The grace period to renew ended on 2027-03-31. Apply for a new license instead.",
        ),
    ],
)
def test_renewal_fee_refused_outside_the_window(barber_type, today, message):
    # given
    license = LicenseFactory(license_type=barber_type, expires_on=EXPIRY)

    # when / then
    with pytest.raises(RenewalNotOpen) as refusal:
        renewal_fee(license=license, today=today)
    assert str(refusal.value) == message


@pytest.mark.parametrize(
    ("instant", "late_cents"),
    [
        # 23:59 in New York on the eve of expiry is 04:59 UTC on the expiry date: on time.
        (datetime.datetime(2027, 3, 1, 4, 59, tzinfo=datetime.UTC), 0),
        # 00:00 in New York on the expiry date: late.
        (datetime.datetime(2027, 3, 1, 5, 0, tzinfo=datetime.UTC), 1500),
    ],
)
def test_late_fee_follows_the_agency_calendar_not_utc(barber_type, settings, instant, late_cents):
    # given
    assert settings.TIME_ZONE == "America/New_York"
    license = LicenseFactory(license_type=barber_type, expires_on=EXPIRY)

    # when
    fee = renewal_fee(license=license, today=agency_today(instant))

    # then
    assert fee.late_cents == late_cents


@pytest.mark.parametrize("status", ["lapsed", "revoked"])
def test_lapsed_or_revoked_license_cannot_be_renewed(barber_type, status):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(10), status=status)

    with pytest.raises(RenewalNotOpen):
        renewal_fee(license=license)


# --- starting -----------------------------------------------------------------------------


def test_renewal_is_a_case_of_its_own_prefilled_from_the_license(barber_type):
    # given
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))

    # when
    application = services.renewal_start(license=license, actor=license.holder)

    # then
    assert application.kind == Application.Kind.RENEWAL
    assert application.renews == license
    assert application.case.kind == RENEWAL_KIND
    assert application.case.reference.startswith("REN-")
    assert application.case.status == "draft"
    assert (application.holder_name, application.email) == (
        license.holder_name,
        license.holder.email,
    )
    assert get_workflow(RENEWAL_KIND).prefix == "REN"


def test_renewal_outside_its_window_is_refused_and_creates_nothing(barber_type):
    # given: expiry 91 days away, the window is 90
    license = LicenseFactory(license_type=barber_type, expires_on=_days(91))

    # when / then
    with pytest.raises(RenewalNotOpen):
        services.renewal_start(license=license, actor=license.holder)
    assert Application.objects.count() == 0


def test_only_the_holder_starts_a_renewal(barber_type, other_resident):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))

    with pytest.raises(RenewalNotOpen, match=r"Only the license holder can renew it\."):
        services.renewal_start(license=license, actor=other_resident)
    assert Application.objects.count() == 0


def test_starting_again_resumes_the_draft(barber_type):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    first = services.renewal_start(license=license, actor=license.holder)

    again = services.renewal_start(license=license, actor=license.holder)

    assert again.pk == first.pk
    assert Application.objects.count() == 1


def test_second_renewal_while_one_is_with_the_clerks_is_refused(barber_type, clerk):
    # given: a paid renewal waiting for review (the attestation flags it)
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder, changed="yes")
    _pay(application, clerk)

    # when / then
    with pytest.raises(RenewalAlreadyOpen) as refusal:
        services.renewal_start(license=license, actor=license.holder)
    assert application.case.reference in str(refusal.value)
    assert Application.objects.count() == 1


# --- answers --------------------------------------------------------------------------------


def test_answer_of_the_wrong_type_is_refused_and_nothing_saved(barber_type):
    # given
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)

    # when
    with pytest.raises(ApplicationIncomplete) as refusal:
        _fill(application, license.holder, hours="twelve")

    # then
    assert refusal.value.message_dict == {"hours": ["Enter a number."]}
    application.refresh_from_db()
    assert application.answers == {}
    assert application.step == Application.Step.ABOUT


def test_payment_needs_the_answers_first(barber_type):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)

    with pytest.raises(ApplicationIncomplete) as refusal:
        services.renewal_request_payment(application=application, actor=license.holder)

    assert refusal.value.messages == ["Confirm your details and answer the renewal questions."]
    application.refresh_from_db()
    assert application.invoice is None


# --- paying and automatic approval ----------------------------------------------------------


def test_clean_renewal_is_approved_on_payment_from_the_old_expiry(barber_type, clerk):
    # given: a license expiring in 20 days, renewed early
    old_expiry = _days(20)
    license = LicenseFactory(license_type=barber_type, expires_on=old_expiry)
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)

    # when
    invoice = _pay(application, clerk)

    # then: one year from the old expiry, not from today
    license.refresh_from_db()
    assert invoice.total_cents == 4000
    assert [line.description for line in invoice.lines.all()] == ["Renewal fee"]
    assert license.expires_on == old_expiry.replace(year=old_expiry.year + 1)
    assert license.status == "active"
    assert application.case.status == "approved"
    assert application.paid_at is not None
    event = LicenseEvent.objects.get(license=license)
    assert (event.kind, event.expires_on) == ("renewed", license.expires_on)
    texts = [event.text for event in application.case.events.exclude(audience="staff")]
    assert "Renewal fee paid." in texts
    until = date_format(license.expires_on, "DATE_FORMAT")
    assert f"License {license.number} renewed, valid until {until}." in texts


def test_renewal_in_grace_pays_the_late_fee_and_reactivates(barber_type, clerk):
    # given: expired five days ago
    old_expiry = _days(-5)
    license = LicenseFactory(license_type=barber_type, expires_on=old_expiry, status="expired")
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)

    # when
    invoice = _pay(application, clerk)

    # then
    assert [(line.description, line.amount_cents) for line in invoice.lines.all()] == [
        ("Renewal fee", 4000),
        ("Late fee (renewed after expiry)", 1500),
    ]
    license.refresh_from_db()
    assert license.status == "active"
    assert license.expires_on == old_expiry.replace(year=old_expiry.year + 1)


def test_second_payment_is_refused(barber_type, clerk):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)
    _pay(application, clerk)

    with pytest.raises(AlreadyPaid, match=r"The fee for this renewal is already paid\."):
        services.renewal_request_payment(application=application, actor=license.holder)
    assert application.invoice.status == InvoiceStatus.PAID


def test_asking_to_pay_twice_gives_the_same_invoice(barber_type):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)

    first = services.renewal_request_payment(application=application, actor=license.holder)
    second = services.renewal_request_payment(application=application, actor=license.holder)

    assert first.pk == second.pk
    assert first.expires_at == timezone.make_aware(
        datetime.datetime.combine(license.expires_on, datetime.time())
    )


# --- flagged renewals go to a clerk ---------------------------------------------------------


def test_flagged_attestation_waits_for_a_clerk_with_the_reason_noted(barber_type, clerk):
    # given
    old_expiry = _days(20)
    license = LicenseFactory(license_type=barber_type, expires_on=old_expiry)
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder, changed="yes")

    # when
    _pay(application, clerk)

    # then
    license.refresh_from_db()
    assert application.case.status == "submitted"
    assert license.expires_on == old_expiry
    note = application.case.events.get(kind=CaseEvent.Kind.NOTE)
    assert note.body == "Needs review: “Has anything changed?” answered “Yes”."
    assert note.audience == "staff"


def test_type_without_automatic_approval_waits_for_a_clerk(barber_type, clerk):
    barber_type.auto_approve_renewals = False
    barber_type.save()
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)

    _pay(application, clerk)

    assert application.case.status == "submitted"


def test_suspended_license_is_flagged(barber_type):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20), status="suspended")
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)

    assert services.renewal_flags(application=application) == ["The license is suspended."]


def test_clerk_approves_a_flagged_renewal_from_the_old_expiry(barber_type, clerk):
    # given
    old_expiry = _days(20)
    license = LicenseFactory(license_type=barber_type, expires_on=old_expiry)
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder, changed="yes")
    _pay(application, clerk)

    # when
    renewed = services.renewal_approve(application=application, actor=clerk, reason="Checked.")

    # then
    assert renewed.expires_on == old_expiry.replace(year=old_expiry.year + 1)
    application.refresh_from_db()
    assert application.case.status == "approved"
    assert application.decision_reason == "Checked."
    with pytest.raises(TransitionNotAllowed):
        services.renewal_approve(application=application, actor=clerk)


def test_clerk_denies_with_a_reason_and_the_license_is_unchanged(barber_type, clerk):
    old_expiry = _days(20)
    license = LicenseFactory(license_type=barber_type, expires_on=old_expiry)
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder, changed="yes")
    _pay(application, clerk)

    with pytest.raises(ValueError, match=r"Give the holder a reason\."):
        services.renewal_deny(application=application, actor=clerk, reason=" ")
    services.renewal_deny(application=application, actor=clerk, reason="Insurance lapsed.")

    license.refresh_from_db()
    application.case.refresh_from_db()
    assert license.expires_on == old_expiry
    assert application.case.status == "denied"


def test_holder_cannot_decide_their_own_renewal(barber_type, clerk):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20), holder=clerk)
    application = services.renewal_start(license=license, actor=clerk)
    _fill(application, clerk, changed="yes")
    invoice = services.renewal_request_payment(application=application, actor=clerk)
    payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=clerk
    )

    with pytest.raises(DecisionForbidden):
        services.renewal_approve(application=application, actor=clerk)


# --- pages ----------------------------------------------------------------------------------


def test_holder_renews_from_the_license_page_to_the_gateway(barber_type, client, settings):
    # given
    settings.PAYMENTS_GATEWAY = "local"
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    client.force_login(license.holder)
    page = client.get(license.get_absolute_url())
    assert page.status_code == 200
    assert "Renew this license" in page.content.decode()

    # when: start, a wrong answer (kept on the page), then the right one, then pay
    started = client.post(reverse("licensing:renew_start", args=[license.number]))
    application = Application.objects.get(renews=license)
    details_url = reverse("licensing:renew_details", args=[application.case.reference])
    assert started.url == details_url
    form = {
        "holder_name": "Robin Barber",
        "email": "robin@example.org",
        "address": "1 Main St",
        "changed": "no",
        "hours": "lots",
    }
    refused = client.post(details_url, form)
    saved = client.post(details_url, {**form, "hours": "12"})
    check = client.get(saved.url)
    paying = client.post(saved.url)

    # then
    assert refused.status_code == 400
    assert 'value="Robin Barber"' in refused.content.decode()
    assert "Enter a number." in refused.content.decode()
    assert saved.url == f"{details_url}check/"
    assert check.status_code == 200
    assert "$40.00" in check.content.decode()
    assert paying.status_code == 303
    assert "/payments/test-gateway/" in paying.url


def test_renewal_details_that_cross_a_new_invoice_keep_what_was_typed(
    barber_type, client, invoice_replaced_midway
):
    # given: a renewal waiting for its fee, whose invoice another tab replaces as this saves
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)
    services.renewal_request_payment(application=application, actor=license.holder)
    invoice_replaced_midway(application, InvoiceFactory(payer=license.holder))
    client.force_login(license.holder)

    # when
    response = client.post(
        reverse("licensing:renew_details", args=[application.case.reference]),
        {
            "holder_name": "Robin Q. Barber",
            "email": "robin@example.org",
            "address": "1 Main St",
            "changed": "no",
            "hours": "14",
        },
    )

    # then: asked to try again, with every value kept, and nothing saved
    body = response.content.decode()
    assert response.status_code == 400
    assert "This request changed while you were working on it. Please try again." in body
    assert 'value="Robin Q. Barber"' in body
    application.refresh_from_db()
    assert (application.holder_name, application.answers["hours"]) == ("Robin Barber", "12")


def test_someone_else_cannot_open_the_renewal(barber_type, client, other_resident):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)
    client.force_login(other_resident)

    response = client.get(reverse("licensing:renew_details", args=[application.case.reference]))

    assert response.status_code == 404


def test_open_complaint_and_unpaid_fine_are_flagged(barber_type, clerk):
    # given: a complaint still open, and a fine not paid
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(Permission.objects.get(codename="add_disciplinaryaction"))
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    services.complaint_file(
        license=license, details="No license shown.", guest_name="Al", guest_email="al@x.org"
    )
    services.disciplinary_action_record(
        license=license, actor=clerk, kind="fine", fine_cents=10000, public=False
    )
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder)

    # when
    flags = services.renewal_flags(application=application)

    # then
    assert flags == ["A complaint against the license is open.", "A fine is unpaid."]


def test_file_attestation_is_stored_on_the_case_and_flagged_for_review(barber_type, clerk, pdf):
    # given: the type asks for proof of continuing education, always checked by a clerk
    QuestionFactory(
        license_type=barber_type,
        code="ce_proof",
        label="Proof of continuing education",
        kind=Question.Kind.FILE,
        for_renewal=True,
        review_answer="any",
    )
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)

    # when
    services.renewal_save(
        application=application,
        actor=license.holder,
        holder_name="Robin Barber",
        email="robin@example.org",
        address="1 Main St",
        answers={"changed": "no", "hours": "12"},
        uploads={"ce_proof": pdf("ce.pdf")},
    )
    _pay(application, clerk)

    # then
    application.refresh_from_db()
    document = application.case.documents.get()
    assert application.answers["ce_proof"] == {"document_id": document.pk, "name": "ce.pdf"}
    assert application.case.status == "submitted"
    assert services.renewal_flags(application=application) == [
        "Document to review: Proof of continuing education"
    ]


def test_clerk_approves_a_renewal_from_the_back_office(barber_type, client, licensing_clerk):
    # given
    old_expiry = _days(20)
    license = LicenseFactory(license_type=barber_type, expires_on=old_expiry)
    application = services.renewal_start(license=license, actor=license.holder)
    _fill(application, license.holder, changed="yes")
    _pay(application, licensing_clerk)
    client.force_login(licensing_clerk)

    # when
    response = client.post(
        reverse("admin:licensing_application_decide", args=[application.pk]),
        {"decision": "approve", "message": ""},
    )

    # then
    assert response.status_code == 302
    license.refresh_from_db()
    assert license.expires_on == old_expiry.replace(year=old_expiry.year + 1)
    page = client.get(response.url).content.decode()
    assert f"License {license.number} renewed until {license.expires_on.isoformat()}." in page


def test_application_pages_send_a_renewal_to_its_own_pages(barber_type, client):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)
    reference = application.case.reference
    client.force_login(license.holder)

    resumed = client.get(reverse("licensing:resume", args=[reference]))
    status = client.get(reverse("licensing:application", args=[reference]))

    assert resumed.url == reverse("licensing:renew_details", args=[reference])
    assert status.url == reverse("licensing:renew_status", args=[reference])


def test_renewal_pages_need_sign_in_without_a_link(barber_type, client):
    license = LicenseFactory(license_type=barber_type, expires_on=_days(20))
    application = services.renewal_start(license=license, actor=license.holder)

    response = client.get(reverse("licensing:renew_details", args=[application.case.reference]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
