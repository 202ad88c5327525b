"""Checkout and booking pages: status, template, errors kept, the guest link's problems, the
calendar file, cancelling without JavaScript, and query counts that do not grow."""

import datetime
import uuid

import icalendar
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.selectors_checkout import SESSION_HOLDER_KEY, bookings_for_dashboard
from bookings.services import checkout
from bookings.services.holds import holds_expire
from cases.links import LinkScope, issue_link, links_revoke
from payments.models import Payment
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import HOLDER_KEY, confirmed, held, local_start, pavilion
from tests.bookings.staff_support import parks

pytestmark = pytest.mark.django_db(transaction=True)


def holding(client, booking):
    session = client.session
    session[SESSION_HOLDER_KEY] = HOLDER_KEY
    session.save()
    return reverse("bookings:checkout", kwargs={"reference": booking.reference})


def guest_link(booking) -> str:
    issued = issue_link(
        booking, LinkScope.CANCEL, page=checkout.MANAGE_PAGE, email=booking.guest_email
    )
    return issued.token


FORM = {
    "booker-name": "Ana Pérez",
    "booker-email": "ana@example.com",
    "booker-phone": "",
}


def test_checkout_page_is_only_for_whoever_holds_the_slot(client):
    booking = held(pavilion())
    url = reverse("bookings:checkout", kwargs={"reference": booking.reference})
    assert client.get(url).status_code == 404
    response = client.get(holding(client, booking))
    assert response.status_code == 200
    assert "bookings/checkout.html" in [t.name for t in response.templates]


def test_a_hold_that_lapsed_unused_and_was_deleted_tells_the_visitor_it_ended(client):
    # given: the visitor's hold lapsed without checkout and the expiry sweep deleted it
    booking = held(pavilion(), hold_minutes=-1)
    url = holding(client, booking)
    assert holds_expire() == 1

    # when
    response = client.get(url)

    # then: not a bare "page not found", but what happened and where to go next
    assert response.status_code == 404
    assert "bookings/hold_ended.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert "This hold has ended" in page
    assert reverse("bookings:facilities") in page


def test_errors_rerender_with_a_summary_and_the_values_kept(client):
    booking = held(pavilion())
    url = holding(client, booking)

    response = client.post(url, {**FORM, "booker-email": "not an address", "booker-name": ""})

    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html
    assert 'value="not an address"' in html
    assert not Payment.objects.exists()


def test_pay_sends_to_the_gateway_and_a_second_click_goes_to_the_same_checkout(client):
    booking = held(pavilion())
    url = holding(client, booking)

    first = client.post(url, FORM)
    second = client.post(url, FORM)

    assert (first.status_code, second.status_code) == (303, 303)
    assert first["Location"] == second["Location"]
    assert "/payments/test-gateway/" in first["Location"]
    assert Payment.objects.count() == 1


def test_confirmation_page_after_paying_has_the_reference_and_the_link(client):
    booking = held(pavilion())
    url = holding(client, booking)
    location = client.post(url, FORM)["Location"]

    paid = client.post(location, {"decision": "approve"})
    page = client.get(paid["Location"])

    html = page.content.decode()
    assert page.status_code == 200
    assert "Booking confirmed" in html and booking.reference in html
    assert "/bookings/b/" in html and "calendar.ics" in html
    # reloading the page issues no new link
    client.get(paid["Location"])
    from cases.links import GuestLink

    assert GuestLink.objects.filter(page=checkout.MANAGE_PAGE).count() == 2  # page + e-mail


def test_guest_link_opens_the_booking_and_its_calendar_file(client):
    booking, _invoice = confirmed(pavilion())
    token = guest_link(booking)

    page = client.get(reverse("bookings:guest_booking", kwargs={"token": token}))
    ics = client.get(reverse("bookings:guest_booking_ics", kwargs={"token": token}))

    assert page.status_code == 200 and booking.reference in page.content.decode()
    assert ics["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(ics.content)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "REQUEST"
    assert int(event["sequence"]) == 0


def test_altered_stale_and_withdrawn_links_get_a_clear_page(client):
    booking, _invoice = confirmed(pavilion())
    token = guest_link(booking)

    altered = client.get(reverse("bookings:guest_booking", kwargs={"token": token[:-2] + "xx"}))
    links_revoke(target=booking, reason="owner")
    withdrawn = client.get(reverse("bookings:guest_booking", kwargs={"token": token}))

    assert altered.status_code == 404
    assert "cases/link_problem.html" in [t.name for t in altered.templates]
    assert withdrawn.status_code == 410


def test_cancel_shows_the_refund_then_cancels_without_javascript(client):
    # given: 40 days ahead, everything back
    booking, _invoice = confirmed(pavilion())
    url = reverse("bookings:guest_booking_cancel", kwargs={"token": guest_link(booking)})

    shown = client.get(url)
    done = client.post(url, {"expected_refund_cents": "13000"})

    assert "$130.00" in shown.content.decode()
    assert done.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    ics = client.get(done["Location"] + "calendar.ics")
    assert str(icalendar.Calendar.from_ical(ics.content)["method"]) == "CANCEL"


def test_cancel_before_approval_quotes_everything_back_and_refunds_it(client, settings):
    # given: a booking waiting for staff's approval, 5 days ahead (the tiers give $50 back)
    settings.TIME_ZONE = "America/New_York"
    parks()
    start = local_start(timezone.localdate() + datetime.timedelta(days=5))
    booking, _invoice = confirmed(pavilion(needs_approval=True), start=start)
    url = reverse("bookings:guest_booking_cancel", kwargs={"token": guest_link(booking)})

    # when
    shown = client.get(url)
    done = client.post(url, {"expected_refund_cents": "13000"})

    # then: the page says why everything comes back, and the refund is that figure
    html = shown.content.decode()
    assert "Your booking is still waiting for approval, so everything you paid" in html
    assert "Fee refunded (100%)" in html
    assert "Cancel my booking and refund $130.00" in html
    assert done.status_code == 302
    booking.refresh_from_db()
    assert (booking.status, booking.refunded_cents) == ("cancelled", 13000)


def test_cancel_of_a_confirmed_booking_quotes_its_tier(client, settings):
    settings.TIME_ZONE = "America/New_York"
    start = local_start(timezone.localdate() + datetime.timedelta(days=5))
    booking, _invoice = confirmed(pavilion(), start=start)
    url = reverse("bookings:guest_booking_cancel", kwargs={"token": guest_link(booking)})

    html = client.get(url).content.decode()

    assert "waiting for approval" not in html
    assert "Fee refunded (0%)" in html
    assert "Cancel my booking and refund $50.00" in html


def test_cancel_with_an_altered_amount_changes_nothing(client):
    booking, _invoice = confirmed(pavilion())
    url = reverse("bookings:guest_booking_cancel", kwargs={"token": guest_link(booking)})

    response = client.post(url, {"expected_refund_cents": "99999"})

    assert response.status_code == 409
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_another_residents_booking_is_a_404(client):
    owner = UserFactory()
    booking, _invoice = confirmed(pavilion(), user=owner)
    client.force_login(UserFactory())
    url = reverse("bookings:booking", kwargs={"reference": booking.reference})
    assert client.get(url).status_code == 404
    client.force_login(owner)
    assert client.get(url).status_code == 200


def _dashboard_section_queries(user) -> tuple[int, str]:
    """Queries to read and render the bookings section of `user`'s dashboard, and its HTML."""
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "bookings/_dashboard_bookings.html",
            # a stamp of its own: the section's cached copy is never the one rendered here
            {"section": bookings_for_dashboard(user=user, limit=5), "stamp": uuid.uuid4().hex},
        )
    return len(queries), html


def test_booking_page_and_dashboard_queries_do_not_grow_with_bookings(client):
    # given: a resident with one booking, then with four
    resident = UserFactory()
    facility = pavilion()
    booking, _invoice = confirmed(facility, user=resident)
    client.force_login(resident)
    page = reverse("bookings:booking", kwargs={"reference": booking.reference})
    client.get(page)  # warm: the session and the content types' cache
    with CaptureQueriesContext(connection) as one_page:
        client.get(page)
    one_section, _html = _dashboard_section_queries(resident)

    for days in (1, 2, 3):
        start = booking.starts_at + datetime.timedelta(days=days)
        confirmed(facility, user=resident, start=start)
    with CaptureQueriesContext(connection) as many_page:
        client.get(page)
    many_section, html = _dashboard_section_queries(resident)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert len(many_page) == len(one_page)
    assert one_section == many_section == 1
    assert html.count("/bookings/mine/") == 4
    assert "My bookings" in dashboard and booking.reference in dashboard


def test_the_dashboard_shows_a_booking_changed_in_plain_sql_at_once(client):
    # given: the dashboard seen once, listing a confirmed booking
    resident = UserFactory()
    booking, _invoice = confirmed(pavilion(), user=resident)
    client.force_login(resident)
    assert "Confirmed" in _bookings_section(client)

    # when: a change no service made
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_booking SET status = 'cancelled', updated_at = now() WHERE id = %s",
            [booking.pk],
        )

    # then
    section = _bookings_section(client)
    assert booking.reference in section and "Cancelled" in section and "Confirmed" not in section


def _bookings_section(client) -> str:
    html = client.get(reverse("portal:dashboard")).content.decode()
    return html[html.index('id="dashboard-bookings"') :].split("</section>")[0]
