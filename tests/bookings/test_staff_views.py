"""Staff's booking pages in the back office: the queue, a booking's page and its forms, the
facility calendar with blocked time; behind the admin's sign-in and MFA, scoped to Parks."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from bookings.models import Booking, BookingKind
from tests.accounts.factories import StaffFactory, UserFactory
from tests.bookings.checkout_support import confirmed, local_start, pavilion
from tests.bookings.factories import FacilityFactory, booking_row
from tests.bookings.staff_support import awaiting_approval, library_staff, parks, parks_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _agency_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    parks()


@pytest.fixture
def clerk(client):
    user = parks_staff(mfa=True)
    client.force_login(user)
    return user


def _url(name, *args):
    return reverse(f"admin:bookings_booking_{name}", args=args)


def test_the_queue_lists_bookings_waiting_for_approval(client, clerk):
    booking, _invoice = awaiting_approval()
    response = client.get(_url("approvals"))
    assert response.status_code == 200
    assert booking.reference in response.text
    assert "Ana Pérez" in response.text


def test_approving_from_the_booking_page_redirects_back_with_the_news(client, clerk):
    booking, _invoice = awaiting_approval()
    page = client.get(_url("change", booking.pk))
    assert page.status_code == 200
    assert 'action="{}"'.format(_url("approve", booking.pk)) in page.text

    response = client.post(_url("approve", booking.pk), {"conditions": "No alcohol."})

    assert response.status_code == 302
    assert response["Location"] == _url("change", booking.pk)
    booking.refresh_from_db()
    assert (booking.status, booking.conditions) == ("confirmed", "No alcohol.")
    # a second click is told nothing changed
    again = client.post(_url("approve", booking.pk), {"conditions": "No alcohol."}, follow=True)
    assert "Nothing to do" in again.text


def test_declining_without_a_reason_shows_the_form_again(client, clerk):
    booking, _invoice = awaiting_approval()
    response = client.post(_url("decline", booking.pk), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.text
    booking.refresh_from_db()
    assert booking.status == "pending_approval"


def test_a_refused_deposit_keeps_what_was_typed(client, clerk):
    # given: the event has not happened yet
    booking, _invoice = confirmed(pavilion())

    response = client.post(
        _url("deposit", booking.pk), {"kept": "20.00", "reason": "Grill left dirty"}
    )

    assert response.status_code == 400
    assert "The deposit is settled once the event is over." in response.text
    assert "Grill left dirty" in response.text
    assert 'value="20.00"' in response.text


def test_check_in_before_the_day_is_refused_on_the_page(client, clerk):
    booking, _invoice = confirmed(pavilion())
    response = client.post(_url("check_in", booking.pk))
    assert response.status_code == 400
    assert "Check-in opens on the day of the booking." in response.text


def test_another_departments_staff_and_residents_do_not_reach_parks_bookings(client):
    booking, _invoice = awaiting_approval()
    client.force_login(library_staff(mfa=True))
    assert client.get(_url("change", booking.pk)).status_code == 404
    assert client.post(_url("approve", booking.pk), {}).status_code == 404
    assert booking.reference not in client.get(_url("approvals")).text

    client.force_login(UserFactory())
    assert client.get(_url("approvals")).status_code == 403
    booking.refresh_from_db()
    assert booking.status == "pending_approval"


def test_staff_without_mfa_are_sent_to_set_it_up(client):
    client.force_login(parks_staff())
    response = client.get(_url("approvals"))
    assert response.status_code == 302
    assert reverse("mfa_activate_totp") in response["Location"]


def test_actions_take_post_only(client, clerk):
    booking, _invoice = awaiting_approval()
    assert client.get(_url("approve", booking.pk)).status_code == 405


# --- The calendar and blocked time ------------------------------------------------------


def _day(days=10):
    return timezone.localdate() + datetime.timedelta(days=days)


def test_the_calendar_lists_bookings_and_blocks_of_the_day_and_week(client, clerk):
    facility = FacilityFactory()
    booking = booking_row(facility=facility, start=local_start(_day(), 10))
    url = _url("calendar", facility.pk)

    day = client.get(url, {"day": _day().isoformat()})
    week = client.get(url, {"day": _day().isoformat(), "span": "week"})
    other_day = client.get(url, {"day": _day(1).isoformat()})

    assert day.status_code == week.status_code == 200
    assert booking.reference in day.text and "Test Guest" in day.text
    assert booking.reference in week.text
    assert booking.reference not in other_day.text


@pytest.mark.parametrize("span", ["", "week"])
@pytest.mark.parametrize("asked", ["9999-12-31", "0001-01-01", "x"])
def test_a_day_at_the_calendars_edge_shows_today(client, clerk, asked, span):
    facility = FacilityFactory()

    answer = client.get(_url("calendar", facility.pk), {"day": asked, "span": span})

    assert answer.status_code == 200


def test_blocking_time_from_the_calendar(client, clerk):
    facility = FacilityFactory()
    response = client.post(
        _url("block", facility.pk),
        {"day": _day().isoformat(), "starts": "09:00", "ends": "11:00", "reason": "Roof repair"},
    )
    assert response.status_code == 302
    block = Booking.objects.get(kind=BookingKind.BLOCK)
    assert block.block_reason == "Roof repair"
    page = client.get(response["Location"])
    assert "Roof repair" in page.text

    removed = client.post(_url("unblock", block.pk))
    assert removed.status_code == 302
    block.refresh_from_db()
    assert block.status == "cancelled"


def test_a_block_over_a_booking_is_refused_and_the_form_keeps_its_values(client, clerk):
    facility = FacilityFactory()
    booking = booking_row(facility=facility, start=local_start(_day(), 10))
    response = client.post(
        _url("block", facility.pk),
        {"day": _day().isoformat(), "starts": "09:30", "ends": "10:30", "reason": "Painting"},
    )
    assert response.status_code == 400
    assert booking.reference in response.text
    assert 'value="Painting"' in response.text
    assert not Booking.objects.filter(kind=BookingKind.BLOCK).exists()


def test_a_block_ending_before_it_starts_is_shown_again(client, clerk):
    facility = FacilityFactory()
    response = client.post(
        _url("block", facility.pk),
        {"day": _day().isoformat(), "starts": "11:00", "ends": "10:00", "reason": "Painting"},
    )
    assert response.status_code == 400
    assert "The end must be after the start." in response.text


def test_other_departments_do_not_see_calendars(client):
    facility = FacilityFactory()
    client.force_login(library_staff(mfa=True))
    assert client.get(_url("calendar", facility.pk)).status_code == 404
    assert client.get(_url("calendars")).status_code == 403


@pytest.mark.parametrize("span", ["", "week"])
def test_the_calendars_queries_do_not_grow_with_its_rows(
    client, clerk, django_assert_max_num_queries, span
):
    facility = FacilityFactory()
    url = _url("calendar", facility.pk)
    params = {"day": _day().isoformat(), "span": span}

    def rows(count, first_hour):
        made = []
        for n in range(count):
            booking = booking_row(
                facility=facility, start=local_start(_day(), first_hour + n), minutes=30
            )
            booking.user = UserFactory()
            booking.save(update_fields=["user"])
            made.append(booking)
        return made

    made = rows(1, 8)
    client.get(url, params)  # warm: sessions, content types
    with django_assert_max_num_queries(12) as small:
        assert client.get(url, params).status_code == 200
    made += rows(10, 9)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url, params)
    assert all(escape(booking.user.full_name) in response.text for booking in made)


def test_staff_with_an_agency_wide_role_see_it_all(client):
    client.force_login(_with_mfa(StaffFactory(roles=["supervisor"])))
    assert client.get(_url("calendars")).status_code == 200


def _with_mfa(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def test_staff_cancel_for_the_agency_from_the_booking_page(client, clerk):
    # given
    booking, invoice = confirmed(pavilion())

    # when
    response = client.post(_url("cancel", booking.pk), {"message": "Storm warning."})

    # then
    assert response.status_code == 302
    assert response["Location"] == _url("change", booking.pk)
    booking.refresh_from_db()
    invoice.refresh_from_db()
    assert booking.status == "cancelled"
    assert invoice.status == "refunded"
    # a second click changes nothing
    again = client.post(_url("cancel", booking.pk), {"message": "Storm warning."}, follow=True)
    assert "Nothing to do" in again.text


def test_cancelling_for_the_agency_without_a_message_keeps_the_form(client, clerk):
    booking, _invoice = confirmed(pavilion())
    response = client.post(_url("cancel", booking.pk), {"message": ""})
    assert response.status_code == 400
    assert "This field is required." in response.text
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_the_bookings_list_leads_to_the_queue(client, clerk):
    booking, _invoice = awaiting_approval()
    response = client.get(_url("changelist"))
    assert response.status_code == 200
    assert booking.reference in response.text
    assert "1 waiting for approval" in response.text


def test_the_administrator_sets_a_facilitys_reminder_offset(client):
    # given
    facility = FacilityFactory()
    client.force_login(_with_mfa(StaffFactory(is_superuser=True)))

    # when
    page = client.get(reverse("admin:bookings_facility_change", args=[facility.pk]))

    # then
    assert page.status_code == 200
    assert 'name="reminder_days_before"' in page.text


def test_a_booking_staff_decline_is_offered_to_the_first_person_waiting_at_once(client, clerk):
    # given: Ben waits for the time of a booking waiting for approval
    from bookings.models import BookingStatus, WaitlistStatus
    from bookings.services.waitlist import waitlist_join

    booking, _invoice = awaiting_approval()
    ben = waitlist_join(
        facility=booking.facility,
        start=booking.starts_at,
        minutes=int((booking.ends_at - booking.starts_at).total_seconds() // 60),
        name="Ben",
        email="ben@example.com",
    )

    # when: staff decline it from its page
    response = client.post(_url("decline", booking.pk), {"reason": "Closed that day."})

    # then: Ben holds the time as soon as the decline is saved, without the waitlist sweep
    assert response.status_code == 302
    ben.refresh_from_db()
    assert ben.status == WaitlistStatus.OFFERED
    assert ben.offer.status == BookingStatus.HELD
    assert ben.offer.period == booking.period


@pytest.mark.parametrize("object_id", ["\u00b2", "\u00b9\u00b2", "9" * 30])
def test_a_booking_id_that_is_no_number_is_not_found_never_a_server_error(client, clerk, object_id):
    # "²" passes str.isdigit() but not int(); "9" * 30 is past any id
    page = client.get(reverse("admin:bookings_booking_change", args=[object_id]))

    assert page.status_code == 404
