"""Withdrawing a lottery request before the draw: the service, the signed-in page and the
guest's link from the e-mail that confirms the request."""

import datetime
import time
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Lottery, LotteryRequest, LotteryRequestStatus
from bookings.services.lottery import (
    LotteryRefused,
    lottery_draw,
    lottery_request,
    lottery_request_withdraw,
)
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.bookings.checkout_support import local_start
from tests.bookings.factories import FacilityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lottery():
    """A lottery open for a day and releasing the day ten days ahead."""
    day = timezone.localdate() + datetime.timedelta(days=10)
    now = timezone.now()
    return Lottery.objects.create(
        facility=FacilityFactory(),
        first_day=day,
        last_day=day,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
    )


def make(lottery, **who) -> LotteryRequest:
    if "user" not in who:
        who = {"name": "Ana", "email": "ana@example.com"}
    return lottery_request(lottery=lottery, start=local_start(lottery.first_day), minutes=60, **who)


def close(lottery) -> None:
    Lottery.objects.filter(pk=lottery.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=2),
        closes_at=timezone.now() - datetime.timedelta(minutes=1),
    )


def test_a_request_is_confirmed_by_e_mail_with_a_link_to_withdraw_it(lottery):
    made = make(lottery)

    notice = Notification.objects.get(template_key="bookings/lottery_requested", channel="email")
    assert notice.to_address == "ana@example.com"
    assert "/bookings/lottery/r/" in notice.link_url and notice.link_url.endswith("/withdraw/")
    assert notice.context["closes_at"] == lottery.closes_at.isoformat()
    assert made.facility == lottery.facility


def test_a_withdrawn_request_is_not_drawn(lottery):
    # given
    made = make(lottery)

    # when
    assert lottery_request_withdraw(request=made) is True
    assert lottery_request_withdraw(request=made) is False  # a repeat changes nothing

    # then
    close(lottery)
    outcome = lottery_draw(lottery=lottery)
    made.refresh_from_db()
    assert made.status == LotteryRequestStatus.WITHDRAWN
    assert outcome.granted == [] and outcome.order == []


@pytest.mark.parametrize("ended", ["closed", "drawn"])
def test_a_request_cannot_be_withdrawn_once_the_window_has_closed(lottery, ended):
    made = make(lottery)
    close(lottery)
    if ended == "drawn":
        lottery_draw(lottery=lottery)

    with pytest.raises(LotteryRefused) as refused:
        lottery_request_withdraw(request=made)

    assert str(refused.value) == ("The lottery's window has closed: requests can no longer change.")
    made.refresh_from_db()
    assert made.status != LotteryRequestStatus.WITHDRAWN


def test_a_guest_withdraws_by_the_link_in_their_e_mail(client, lottery):
    # given
    made = make(lottery)
    path = urlsplit(
        Notification.objects.get(template_key="bookings/lottery_requested").link_url
    ).path
    page = client.get(path)
    assert page.status_code == 200
    assert "Withdraw my request" in page.content.decode()

    # when
    response = client.post(path)

    # then
    made.refresh_from_db()
    assert response.status_code == 200
    assert made.status == LotteryRequestStatus.WITHDRAWN
    assert "Your request is withdrawn" in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    # a second post says it is no longer in the lottery, and changes nothing
    assert "no longer in the lottery" in client.post(path).content.decode()


def test_an_altered_withdraw_link_is_refused(client, lottery):
    make(lottery)
    url = reverse("bookings:guest_lottery_withdraw", kwargs={"token": "forged-token"})

    assert client.post(url).status_code == 404
    assert LotteryRequest.objects.get().status == LotteryRequestStatus.REQUESTED


def test_a_resident_withdraws_from_the_confirmation_and_nobody_else_can(client, lottery):
    # given: a resident's request, confirmed with a link to withdraw it
    resident = UserFactory()
    client.force_login(resident)
    made = make(lottery, user=resident)
    withdraw = reverse("bookings:lottery_withdraw", kwargs={"pk": made.pk})
    confirmation = client.get(reverse("bookings:lottery_requested", kwargs={"pk": made.pk}))
    assert withdraw in confirmation.content.decode()

    # someone else's request is a plain 404
    client.force_login(UserFactory())
    assert client.get(withdraw).status_code == 404
    assert client.post(withdraw).status_code == 404

    # when
    client.force_login(resident)
    response = client.post(withdraw)

    # then
    made.refresh_from_db()
    assert response.status_code == 200
    assert made.status == LotteryRequestStatus.WITHDRAWN


def test_after_the_window_the_page_says_so_and_changes_nothing(client, lottery):
    resident = UserFactory()
    client.force_login(resident)
    made = make(lottery, user=resident)
    close(lottery)
    withdraw = reverse("bookings:lottery_withdraw", kwargs={"pk": made.pk})

    page = client.get(withdraw)
    response = client.post(withdraw)

    assert "can no longer be withdrawn" in page.content.decode()
    assert "Withdraw my request" not in page.content.decode()
    assert response.status_code == 400
    assert "requests can no longer change" in response.content.decode()
    made.refresh_from_db()
    assert made.status == LotteryRequestStatus.REQUESTED


def test_a_residents_dashboard_lists_their_requests_until_withdrawn_or_drawn(client, lottery):
    # given: a resident's request, and someone else's in the same lottery
    resident = UserFactory()
    made = make(lottery, user=resident)
    make(lottery, user=UserFactory())
    client.force_login(resident)
    withdraw = reverse("bookings:lottery_withdraw", kwargs={"pk": made.pk})

    # then: listed with the draw's date and the way to withdraw it
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "My lottery requests" in html
    section = html.split('id="dashboard-lottery-requests"')[1].split("</section>")[0]
    assert section.count("/bookings/lottery/mine/") == 1
    assert f'href="{withdraw}"' in section
    assert "Drawn after" in section

    # when: withdrawn (the dashboard seen again right after)
    client.post(withdraw)

    # then
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "My lottery requests" not in html

    # and a request made again leaves once the lottery is drawn
    again = make(lottery, user=resident)
    assert "My lottery requests" in client.get(reverse("portal:dashboard")).content.decode()
    close(lottery)
    lottery_draw(lottery=lottery)
    again.refresh_from_db()
    assert again.status != LotteryRequestStatus.REQUESTED
    assert "My lottery requests" not in client.get(reverse("portal:dashboard")).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_stops_offering_to_withdraw_once_the_window_closes(client, lottery):
    # given: a resident's request, in a lottery whose window closes in a moment; the
    # dashboard seen (and its section cached) while the window is open
    resident = UserFactory()
    made = make(lottery, user=resident)
    closes_at = timezone.now() + datetime.timedelta(seconds=1.5)
    Lottery.objects.filter(pk=lottery.pk).update(closes_at=closes_at)
    client.force_login(resident)
    withdraw = reverse("bookings:lottery_withdraw", kwargs={"pk": made.pk})
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert f'href="{withdraw}"' in html

    # when: the window closes, with nothing written since
    time.sleep(max((closes_at - timezone.now()).total_seconds(), 0) + 0.1)
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then: the request is still listed until the draw, without the way to withdraw it
    section = html.split('id="dashboard-lottery-requests"')[1].split("</section>")[0]
    assert f'href="{withdraw}"' not in section
    assert "The lottery's window has closed: requests can no longer change." in section
    assert "Drawn after" in section
