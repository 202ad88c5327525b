"""Other recipients of a linked parcel confirm their address before anything reaches them,
and every message to them carries a link that stops it."""

import datetime
import re

import pytest
from django.core import signing
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from notifications.models import Notification
from notifications.services import notifications_dispatch, reminders_run
from taxes.exceptions import EBillRateLimited, EBillRefused
from taxes.models import BillRecipient, ParcelLink
from taxes.reminders import SOURCE_KEY
from taxes.services import ebills, notices
from tests.accounts.factories import UserFactory
from tests.taxes.factories import TaxBillFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tax_reminder_rules")]

TODAY = datetime.date(2026, 3, 17)  # 14 days before the first instalment (March 31)


def _sent_to(address: str, template_key: str) -> int:
    return Notification.objects.filter(
        template_key=template_key, channel="email", to_address=address
    ).count()


def _paperless_link(user, bill) -> ParcelLink:
    link = ParcelLink.objects.create(user=user, parcel=bill.parcel)
    ebills.paperless_set(user=user, link_ids=[link.pk])
    return link


def _confirm_url(address: str) -> str:
    message = Notification.objects.get(
        template_key=ebills.CONFIRM_TEMPLATE, channel="email", to_address=address
    )
    return message.context["confirm_url"]


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_a_recipient_just_added_gets_no_bill_or_reminder_until_confirmed():
    # given: an owner adds a stranger's address
    owner = UserFactory(preferred_language="es")
    bill = TaxBillFactory()
    link = _paperless_link(owner, bill)
    recipient = ebills.recipient_add(link=link, email="stranger@example.net")

    # when: the bill is published and the reminder run comes
    notices.bills_published_notify(bill_ids=[bill.pk])
    reminders_run(today=TODAY, source=SOURCE_KEY)

    # then: the address got one message, the confirmation, in the owner's language
    assert _sent_to("stranger@example.net", "taxes/bill_published") == 0
    assert _sent_to("stranger@example.net", "taxes/instalment_reminder") == 0
    confirmation = Notification.objects.get(to_address="stranger@example.net")
    assert confirmation.template_key == ebills.CONFIRM_TEMPLATE
    assert confirmation.language == "es"
    assert recipient.confirmed_at is None


def test_a_confirmed_recipient_gets_bills_and_reminders_with_a_stop_link():
    owner = UserFactory()
    bill = TaxBillFactory()
    link = _paperless_link(owner, bill)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    token = ebills.recipient_confirm_token(recipient)

    confirmed = ebills.recipient_confirm(token=token)
    notices.bills_published_notify(bill_ids=[bill.pk])
    reminders_run(today=TODAY, source=SOURCE_KEY)

    assert confirmed.pk == recipient.pk and confirmed.confirmed_at is not None
    assert _sent_to("acct@example.net", "taxes/bill_published") == 1
    assert _sent_to("acct@example.net", "taxes/instalment_reminder") == 1
    for message in Notification.objects.filter(to_address="acct@example.net").exclude(
        template_key=ebills.CONFIRM_TEMPLATE
    ):
        assert message.context["recipient_id"] == recipient.pk


def test_confirming_twice_keeps_the_first_date():
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    token = ebills.recipient_confirm_token(recipient)
    first = ebills.recipient_confirm(token=token).confirmed_at
    assert ebills.recipient_confirm(token=token).confirmed_at == first


def test_a_removed_recipients_link_confirms_nothing():
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    token = ebills.recipient_confirm_token(recipient)
    ebills.recipient_remove(recipient=recipient)
    with pytest.raises(EBillRefused):
        ebills.recipient_confirm(token=token)


def test_the_resend_is_limited(settings):
    settings.TAXES_RECIPIENT_CONFIRM_RESENDS_PER_HOUR = 2
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="resend@example.net")
    ebills.recipient_confirmation_resend(recipient=recipient)
    ebills.recipient_confirmation_resend(recipient=recipient)
    with pytest.raises(EBillRateLimited):
        ebills.recipient_confirmation_resend(recipient=recipient)
    # The first message and two resends, each its own message.
    assert _sent_to("resend@example.net", ebills.CONFIRM_TEMPLATE) == 3


def test_a_confirmed_recipient_is_not_sent_a_confirmation_again():
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    recipient = ebills.recipient_confirm(token=ebills.recipient_confirm_token(recipient))
    with pytest.raises(EBillRefused):
        ebills.recipient_confirmation_resend(recipient=recipient)


# --- Pages ------------------------------------------------------------------------------


def test_the_confirm_link_from_the_message_confirms(client):
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    ebills.recipient_add(link=link, email="acct@example.net")
    path = _path(_confirm_url("acct@example.net"))

    page = client.get(path)
    assert page.status_code == 200
    assert BillRecipient.objects.get().confirmed_at is None  # a GET changes nothing
    done = client.post(path)
    assert done.status_code == 200
    assert "confirmed" in done.content.decode()
    assert BillRecipient.objects.get().confirmed_at is not None


def test_an_expired_confirm_link_says_so(client, settings):
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    token = ebills.recipient_confirm_token(recipient)
    settings.TAXES_RECIPIENT_CONFIRM_DAYS = -1

    for response in (
        client.get(reverse("taxes:recipient_confirm", args=[token])),
        client.post(reverse("taxes:recipient_confirm", args=[token])),
    ):
        assert response.status_code == 400
        assert "expired" in response.content.decode()
    assert BillRecipient.objects.get().confirmed_at is None


def test_a_tampered_confirm_or_stop_link_is_refused_clearly(client):
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    confirm = ebills.recipient_confirm_token(recipient)
    stop = ebills.recipient_stop_token(recipient)
    forged = signing.dumps(recipient.pk, salt="cases.participant-confirm")

    for name, token in [
        ("taxes:recipient_confirm", confirm[:-2] + "xx"),
        ("taxes:recipient_confirm", stop),  # one kind of link is not the other
        ("taxes:recipient_confirm", forged),
        ("taxes:recipient_stop", stop[:-2] + "xx"),
        ("taxes:recipient_stop", confirm),
    ]:
        response = client.post(reverse(name, args=[token]))
        assert response.status_code == 400, (name, token)
        assert "not valid" in response.content.decode()
    assert BillRecipient.objects.get().confirmed_at is None


def test_the_stop_link_removes_the_recipient_without_signing_in(client):
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    path = reverse("taxes:recipient_stop", args=[ebills.recipient_stop_token(recipient)])

    assert client.get(path).status_code == 200
    assert BillRecipient.objects.exists()
    done = client.post(path)
    again = client.post(path)

    assert done.status_code == 200 and again.status_code == 200
    assert not BillRecipient.objects.exists()


def test_the_owner_sees_waiting_and_can_resend(client):
    owner = UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    client.force_login(owner)

    page = client.get(reverse("taxes:my_parcel", args=[link.pk])).content.decode()
    assert "Waiting for confirmation" in page
    resent = client.post(reverse("taxes:recipient_resend", args=[link.pk, recipient.pk]))
    assert resent.status_code == 302
    assert _sent_to("acct@example.net", ebills.CONFIRM_TEMPLATE) == 2


def test_another_persons_recipient_cannot_be_resent(client):
    owner, other = UserFactory(), UserFactory()
    link = ParcelLink.objects.create(user=owner, parcel=TaxBillFactory().parcel)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    client.force_login(other)
    response = client.post(reverse("taxes:recipient_resend", args=[link.pk, recipient.pk]))
    assert response.status_code == 404


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    token=st.one_of(
        st.text(
            alphabet=st.characters(exclude_characters="/", exclude_categories=("Cs",)),
            min_size=1,
            max_size=120,
        ),
        st.from_regex(
            r"[A-Za-z0-9_\-]{1,40}:[A-Za-z0-9_\-]{1,40}:[A-Za-z0-9_\-]{1,40}", fullmatch=True
        ),
    )
)
def test_any_token_gets_a_clear_page_never_an_error(client, token):
    for name in ("taxes:recipient_confirm", "taxes:recipient_stop"):
        response = client.post(reverse(name, args=[token]))
        # A NUL anywhere in an address is not found site-wide (portal.paths).
        assert response.status_code == (404 if "\x00" in token else 400)


def test_the_messages_carry_the_confirm_link_and_then_the_stop_link(client, mailoutbox):
    owner = UserFactory(full_name="Ana Ruiz")
    bill = TaxBillFactory()
    link = _paperless_link(owner, bill)
    recipient = ebills.recipient_add(link=link, email="acct@example.net")
    notifications_dispatch()
    (confirmation,) = [m for m in mailoutbox if m.to == ["acct@example.net"]]
    assert "Ana Ruiz" in confirmation.body and bill.parcel.number in confirmation.body

    confirm_url = re.search(r"https?://\S+/recipients/confirm/\S+/", confirmation.body).group()
    client.post(_path(confirm_url))
    notices.bills_published_notify(bill_ids=[bill.pk])
    reminders_run(today=TODAY, source=SOURCE_KEY)
    notifications_dispatch()

    to_recipient = [m for m in mailoutbox if m.to == ["acct@example.net"]][1:]
    to_owner = [m for m in mailoutbox if m.to == [owner.email]]
    assert len(to_recipient) == 2 and to_owner
    stop_url = ebills.recipient_stop_url(recipient.pk)
    assert all(stop_url in m.body for m in to_recipient)
    assert not any("/recipients/stop/" in m.body for m in to_owner)
    client.post(_path(stop_url))
    assert not BillRecipient.objects.exists()
