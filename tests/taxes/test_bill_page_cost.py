"""What the public bill pages cost per request (the due-date spike): the opened bill's page
and the payment start read the agency's schedule (penalty, interest and discount rules,
closed days) through the cache, and an administrator's change to it shows at once."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.service_levels import holiday_add
from taxes import selectors
from taxes.charges import agency_date
from taxes.models import DiscountRule, PenaltyRule
from tests.accounts.factories import StaffFactory
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = pytest.mark.django_db
DAYS = datetime.timedelta(days=1)
SCHEDULE_TABLES = ("taxes_penaltyrule", "taxes_discountrule", "cases_holiday")


@pytest.fixture
def bill():
    today = agency_date(timezone.now())
    parcel = ParcelFactory(number="10-000888", situs_address="8 PINE STREET")
    OwnerFactory(parcel=parcel, name="Ana Núñez", last_name="Núñez")
    return TaxBillFactory(
        parcel=parcel,
        number="2026-0000888",
        schedule=[
            (datetime.date(2020, 3, 31), 100000),
            (today + 10 * DAYS, 100000),
            (today + 100 * DAYS, 100000),
            (today + 200 * DAYS, 100000),
        ],
    )


@pytest.fixture
def opened(client, bill):
    PenaltyRule.objects.create(kind="penalty", days_past_due=0, percent="5")
    DiscountRule.objects.create(months_before_due=4, percent="2")
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Núñez"})
    return client


@pytest.fixture
def administrator():
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    admin = Client()
    admin.force_login(user)
    return admin


def _reads_schedule(queries) -> bool:
    return any(table in query["sql"] for query in queries for table in SCHEDULE_TABLES)


def test_the_opened_bill_page_reads_the_schedule_from_the_cache(
    opened, bill, django_assert_max_num_queries
):
    # given: a first visit read the schedule
    opened.get(reverse("taxes:bill", args=[bill.number]))

    # when
    with django_assert_max_num_queries(6) as counted:
        response = opened.get(reverse("taxes:bill", args=[bill.number]))

    # then: the bill, its instalments and their payments, owners, lines and credits
    assert response.status_code == 200
    assert "$50.00" in response.content.decode()  # 5% of the instalment due in 2020
    assert not _reads_schedule(counted.captured_queries)


def test_starting_a_payment_reads_the_schedule_from_the_cache(
    opened, bill, django_assert_max_num_queries
):
    # given
    opened.get(reverse("taxes:bill", args=[bill.number]))

    # when: 35 (43 before the schedule was cached and the options worked out once per
    # step); most of them the payments app's invoice and checkout, and the session
    with django_assert_max_num_queries(35) as counted:
        response = opened.post(
            reverse("taxes:pay", args=[bill.number]),
            {"choice": "next1", "email": "ana@example.org"},
        )

    # then
    assert response.status_code == 303
    assert not _reads_schedule(counted.captured_queries)


def test_an_administrators_change_to_a_rule_shows_at_the_next_page(opened, bill, administrator):
    # given: the page shows (and cached) the 5% penalty
    assert "$50.00" in opened.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    rule = PenaltyRule.objects.get()

    # when
    response = administrator.post(
        reverse("admin:taxes_penaltyrule_change", args=[rule.pk]),
        {"kind": "penalty", "days_past_due": "0", "percent": "10", "active": "on"},
    )

    # then
    assert response.status_code == 302
    page = opened.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    assert "$100.00" in page and "$50.00" not in page


def test_a_deleted_rule_and_a_new_holiday_show_at_the_next_read(opened, bill):
    # given
    due = [datetime.date(2026, 3, 2), datetime.date(2026, 3, 20)]
    before = selectors.schedule_cached(due_dates=due)
    assert before.discounts and datetime.date(2026, 3, 10) not in before.closed

    # when
    DiscountRule.objects.get().delete()
    holiday_add(date=datetime.date(2026, 3, 10), name="Founders' Day")

    # then
    after = selectors.schedule_cached(due_dates=due)
    assert after.discounts == ()
    assert datetime.date(2026, 3, 10) in after.closed
    assert after == selectors.schedule_current(due_dates=due)
