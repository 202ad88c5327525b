"""Licensing services at the same moment as the reminder job or a payment: none deadlocks."""

import datetime
import time

import pytest

from licensing import services
from licensing.exceptions import ApplicationChanged
from licensing.fees import agency_today
from licensing.models import Application, LicenseEvent
from licensing.services import renewals
from notifications.models import Notification
from notifications.services import reminders_run
from payments.exceptions import PaymentError
from payments.services import payment_record_counter
from tests.concurrency import run_together
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory
from tests.notifications.factories import reminder_rules
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_renewal_started_while_the_reminder_job_runs_does_not_deadlock(monkeypatch):
    # given: a license 30 days from expiry, inside its renewal window and due a reminder
    reminder_rules(30)
    license_type = LicenseTypeFactory(renewal_window_days=90)
    today = agency_today()
    license = LicenseFactory(
        license_type=license_type, expires_on=today + datetime.timedelta(days=30)
    )
    # The renewal pauses after it has locked the license and before it opens the holder's
    # case. Meanwhile the job writes the holder's messages and the
    # license's timeline, whose reference to the license is checked at commit. Had the
    # renewal locked the license against that check, each would wait for the other.
    fee = renewals.renewal_fee

    def slow_fee(*args, **kwargs):
        time.sleep(0.6)
        return fee(*args, **kwargs)

    monkeypatch.setattr(renewals, "renewal_fee", slow_fee)

    def act(i: int) -> str:
        if i == 0:
            services.renewal_start(license=license, actor=license.holder)
        else:
            time.sleep(0.2)
            reminders_run(today=today)
        return "done"

    # when: the holder starts the renewal as the job runs
    outcomes = run_together(2, act)

    # then: both went through
    assert outcomes == ["done", "done"]
    assert Application.objects.filter(renews=license).count() == 1
    assert LicenseEvent.objects.filter(license=license, kind="reminder").count() == 1
    assert Notification.objects.filter(recipient=license.holder, channel="in_app").count() == 1


def _renewal_waiting_for_its_fee():
    license_type = LicenseTypeFactory(renewal_window_days=90, renewal_fee_cents=4000)
    license = LicenseFactory(
        license_type=license_type, expires_on=agency_today() + datetime.timedelta(days=30)
    )
    application = services.renewal_start(license=license, actor=license.holder)
    services.renewal_save(
        application=application,
        actor=license.holder,
        holder_name="Robin Barber",
        email="robin@example.org",
        address="1 Main St",
        answers={},
    )
    invoice = services.renewal_request_payment(application=application, actor=license.holder)
    return license, application, invoice


def test_a_renewal_discarded_while_its_fee_is_paid_at_the_counter_does_not_deadlock(
    clerk, monkeypatch
):
    # given: a renewal waiting for its fee
    license, application, invoice = _renewal_waiting_for_its_fee()
    # The discard pauses once it has checked the renewal is a draft. Meanwhile the payment
    # locks the invoice and, paid, marks the renewal paid. Had the discard locked the renewal
    # before the invoice, each would wait for the other.
    require_draft = renewals._require_draft

    def slow_require_draft(*args, **kwargs):
        require_draft(*args, **kwargs)
        time.sleep(0.6)

    monkeypatch.setattr(renewals, "_require_draft", slow_require_draft)

    def act(i: int) -> str:
        try:
            if i == 0:
                services.renewal_discard(application=application, actor=license.holder)
            else:
                time.sleep(0.2)
                payment_record_counter(
                    invoice=invoice, method="cash", amount_cents=4000, actor=clerk
                )
        except PaymentError as error:
            return type(error).__name__
        return "done"

    # when: the holder discards the renewal as the clerk takes the fee
    outcomes = run_together(2, act)

    # then: the discard, first, went through, and the payment was refused
    assert outcomes == ["done", "InvoiceNotPayable"]
    application.refresh_from_db()
    invoice.refresh_from_db()
    assert (application.case.status, application.paid_at, invoice.status) == (
        "cancelled",
        None,
        "void",
    )


def test_an_invoice_replaced_between_its_lock_and_the_applications_is_refused(
    invoice_replaced_midway,
):
    # given: a renewal waiting for its fee; its invoice is replaced just as the discard
    # reads it
    license, application, invoice = _renewal_waiting_for_its_fee()
    replacement = InvoiceFactory(payer=license.holder)
    invoice_replaced_midway(application, replacement)

    # when / then
    with pytest.raises(ApplicationChanged, match="changed while you were working on it"):
        services.renewal_discard(application=application, actor=license.holder)
    application.refresh_from_db()
    invoice.refresh_from_db()
    replacement.refresh_from_db()
    assert (application.case.status, invoice.status, replacement.status) == (
        "draft",
        "open",
        "open",
    )


def test_two_reminder_runs_at_once_queue_each_reminder_once():
    # given: 40 holders due for their 30-day reminder
    reminder_rules(30)
    license_type = LicenseTypeFactory(renewal_window_days=90)
    today = agency_today()
    licenses = [
        LicenseFactory(license_type=license_type, expires_on=today + datetime.timedelta(days=30))
        for _ in range(40)
    ]

    # when: two workers run the daily job at the same instant (a duplicated beat, a retry)
    outcomes = [
        outcome for run in run_together(2, lambda i: reminders_run(today=today)) for outcome in run
    ]

    # then: between them each reminder was written once, on each channel and the timeline
    assert sum(outcome.fired for outcome in outcomes) == len(licenses)
    assert sum(outcome.recorded for outcome in outcomes) == len(licenses)
    assert LicenseEvent.objects.filter(kind="reminder").count() == len(licenses)
    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) >= len(licenses)  # an e-mail at least for each holder
    assert len(keys) == len(set(keys)) == sum(outcome.messages for outcome in outcomes)
