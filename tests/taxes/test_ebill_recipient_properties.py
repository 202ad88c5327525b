"""Hostile input on a linked parcel's other recipients: the form that adds one (random
address, name and relationship), and the resend and remove buttons with another person's or
made-up ids, or a GET: never a server error, the form shown again with what was typed, and
nobody else's recipient reached."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import Notification
from taxes.models import BillRecipient, ParcelLink
from taxes.services import ebills
from tests.accounts.factories import UserFactory
from tests.hostile import VALUES, fuzz, keeps_what_was_typed, no_server_error, params
from tests.taxes.factories import TaxBillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def links():
    """Two owners' links, each with one recipient waiting for confirmation."""
    mine = ParcelLink.objects.create(user=UserFactory(), parcel=TaxBillFactory().parcel)
    theirs = ParcelLink.objects.create(user=UserFactory(), parcel=TaxBillFactory().parcel)
    return {
        "mine": mine,
        "theirs": theirs,
        "my_recipient": ebills.recipient_add(link=mine, email="mine@example.net"),
        "their_recipient": ebills.recipient_add(link=theirs, email="theirs@example.net"),
    }


@given(
    posted=params(
        ["email", "name", "relationship"],
        valid={"email": "aunt@example.org", "name": "Aunt May", "relationship": "self"},
    )
)
@fuzz(max_examples=40)
def test_any_recipient_form_is_added_or_shown_again_with_what_was_typed(links, posted):
    client = Client()
    client.force_login(links["mine"].user)

    response = client.post(reverse("taxes:my_parcel", args=[links["mine"].pk]), posted)

    # then (an empty POST, which no browser sends with the form's token, reads as a GET)
    no_server_error(response)
    assert response.status_code in ((302, 400) if posted else (200,))
    if response.status_code == 400:
        assert "There is a problem" in response.content.decode()
        keeps_what_was_typed(response, posted)
    assert not links["theirs"].recipients.exclude(email="theirs@example.net").exists()


@given(
    link=st.one_of(st.integers(min_value=0, max_value=2**31 - 1), st.just(-1)),
    recipient=st.one_of(st.integers(min_value=0, max_value=2**31 - 1), st.just(-1)),
    action=st.sampled_from(["taxes:recipient_resend", "taxes:recipient_remove"]),
)
@fuzz(max_examples=30)
def test_resend_and_remove_reach_only_the_owners_own_recipients(links, link, recipient, action):
    # given: ids of the other owner's link and recipient mixed in with made-up ones
    link = links["theirs"].pk if link == -1 else link
    recipient = links["their_recipient"].pk if recipient == -1 else recipient
    client = Client()
    client.force_login(links["mine"].user)
    sent = Notification.objects.filter(to_address="theirs@example.net").count()

    # when
    response = client.post(reverse(action, args=[link, recipient]))

    # then
    no_server_error(response)
    if link != links["mine"].pk:
        assert response.status_code == 404
    assert BillRecipient.objects.filter(pk=links["their_recipient"].pk).exists()
    assert Notification.objects.filter(to_address="theirs@example.net").count() == sent


def test_a_get_of_resend_or_remove_changes_nothing(links):
    client = Client()
    client.force_login(links["mine"].user)
    args = [links["mine"].pk, links["my_recipient"].pk]

    for name in ("taxes:recipient_resend", "taxes:recipient_remove"):
        assert client.get(reverse(name, args=args)).status_code == 405
    assert BillRecipient.objects.filter(pk=links["my_recipient"].pk).exists()


@given(token=VALUES.filter(lambda value: isinstance(value, str) and value.strip("/")))
@fuzz(max_examples=20)
def test_a_confirm_or_stop_link_page_never_shows_an_error_to_a_get(links, token):
    for name in ("taxes:recipient_confirm", "taxes:recipient_stop"):
        path = reverse(name, args=["x"]).replace("/x/", "/") + token.replace("/", "_") + "/"
        response = Client().get(path)
        no_server_error(response)
        assert "mine@example.net" not in response.content.decode()
