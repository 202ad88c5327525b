"""Guest links (cases/links.py): scope, expiry, revocation, links of before, fresh links."""

import datetime
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cases import links
from cases.links import GuestLink, LinkScope
from cases.models import Case
from cases.tokens import case_guest_link
from notifications.models import Notification
from tests.hostile import fuzz, no_server_error

pytestmark = pytest.mark.django_db


class SignedDaysAgo(signing.TimestampSigner):
    """Signs as if it were `days` ago, to make links of before that have already expired."""

    def __init__(self, *, days: int, **kwargs):
        super().__init__(**kwargs)
        self.days = days

    def timestamp(self):
        return signing.b62_encode(int(time.time()) - self.days * 86400)


def old_case_token(case, *, days: int = 0) -> str:
    """A case link as sent before cases.links: signing.dumps(reference), salted."""
    return SignedDaysAgo(days=days, salt="cases.guest-link").sign_object(case.reference)


@pytest.fixture
def guest_case(make_case):
    return make_case(applicant=None, guest_name="Ana", guest_email="ana@example.org")


def expire_links() -> None:
    """Make every link's time over, as if it had been issued long ago."""
    now = timezone.now()
    GuestLink.objects.update(
        created_at=now - datetime.timedelta(days=100),
        expires_at=now - datetime.timedelta(minutes=1),
    )


def guest_page(token: str) -> str:
    return reverse("cases:guest", kwargs={"token": token})


# --- the module ----------------------------------------------------------------------------


def test_an_issued_link_opens_its_target_and_only_its_hash_is_stored(guest_case):
    # when
    issued = links.issue_link(guest_case, LinkScope.VIEW, page="cases:guest", email="a@b.org")

    # then
    resolved = links.resolve_link(issued.token, LinkScope.VIEW, model=Case)
    assert resolved.target == guest_case
    row = GuestLink.objects.get(pk=issued.link.pk)
    assert issued.token not in row.token_hash and len(row.token_hash) == 64
    assert row.last_used_at is not None
    assert issued.url.endswith(f"/cases/track/{issued.token}/")


@pytest.mark.parametrize(
    ("issued_for", "used_for", "works"),
    [
        (LinkScope.VIEW, LinkScope.VIEW, True),
        (LinkScope.VIEW, LinkScope.PAY, False),
        (LinkScope.VIEW, LinkScope.RENEW, False),
        (LinkScope.PAY, LinkScope.VIEW, True),
        (LinkScope.PAY, LinkScope.PAY, True),
        (LinkScope.PAY, LinkScope.CANCEL, False),
        (LinkScope.UPLOAD, LinkScope.PAY, False),
        (LinkScope.CANCEL, LinkScope.CANCEL, True),
    ],
)
def test_a_link_grants_its_scope_and_seeing_nothing_more(guest_case, issued_for, used_for, works):
    # given
    issued = links.issue_link(guest_case, issued_for, page="cases:guest")

    # when / then
    if works:
        assert links.resolve_link(issued.token, used_for, model=Case).target == guest_case
    else:
        with pytest.raises(links.LinkInvalid):
            links.resolve_link(issued.token, used_for, model=Case)


def test_a_link_to_one_kind_of_row_opens_no_other(guest_case):
    from payments.models import Invoice

    issued = links.issue_link(guest_case, LinkScope.PAY, page="cases:guest")

    with pytest.raises(links.LinkInvalid):
        links.resolve_link(issued.token, LinkScope.PAY, model=Invoice)


def test_a_link_expires_at_its_time(guest_case):
    # given
    issued = links.issue_link(
        guest_case, LinkScope.VIEW, page="cases:guest", ttl=datetime.timedelta(hours=1)
    )
    expire_links()

    # when / then
    with pytest.raises(links.LinkExpired) as raised:
        links.resolve_link(issued.token, LinkScope.VIEW, model=Case)
    assert raised.value.ticket.target_id == guest_case.pk


def test_the_database_refuses_a_link_without_a_future_or_a_known_scope(guest_case):
    from django.db import IntegrityError, transaction

    issued = links.issue_link(guest_case, LinkScope.VIEW, page="cases:guest")
    for change in [
        {"expires_at": issued.link.created_at},
        {"scope": "admin"},
        {"revoked_at": timezone.now()},  # without a reason
        {"revoked_reason": "owner"},  # without a time
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            GuestLink.objects.filter(pk=issued.link.pk).update(**change)


def test_revoking_a_targets_links_stops_them_all_and_only_them(guest_case, make_case):
    # given
    other = make_case(applicant=None, guest_email="bo@example.org")
    first = links.issue_link(guest_case, LinkScope.VIEW, page="cases:guest")
    second = links.issue_link(guest_case, LinkScope.PAY, page="cases:guest")
    kept = links.issue_link(other, LinkScope.VIEW, page="cases:guest")

    # when
    stopped = links.links_revoke(target=guest_case, reason=GuestLink.RevokedReason.OWNER)

    # then: those two, and the one its confirmation message carried
    assert stopped == 3
    assert not GuestLink.objects.filter(target_id=guest_case.pk, revoked_at__isnull=True).exists()
    for token in (first.token, second.token):
        with pytest.raises(links.LinkRevoked):
            links.resolve_link(token, LinkScope.VIEW, model=Case)
    assert links.resolve_link(kept.token, LinkScope.VIEW, model=Case).target == other


def test_a_new_link_can_supersede_the_earlier_ones_to_the_same_address(guest_case):
    # given
    old = links.issue_link(guest_case, LinkScope.VIEW, page="cases:guest", email="ana@example.org")
    elsewhere = links.issue_link(guest_case, LinkScope.VIEW, page="cases:guest", email="x@y.org")

    # when
    new = links.issue_link(
        guest_case, LinkScope.VIEW, page="cases:guest", email="ana@example.org", supersede=True
    )

    # then
    with pytest.raises(links.LinkRevoked) as raised:
        links.resolve_link(old.token, LinkScope.VIEW, model=Case)
    assert raised.value.reason == "superseded"
    assert links.resolve_link(new.token, LinkScope.VIEW, model=Case).target == guest_case
    assert links.resolve_link(elsewhere.token, LinkScope.VIEW, model=Case).target == guest_case


def test_a_case_with_an_account_refuses_every_guest_link_asking_to_sign_in(guest_case, resident):
    # given
    issued = case_guest_link(case=guest_case)
    old = old_case_token(guest_case)
    Case.objects.filter(pk=guest_case.pk).update(applicant=resident)

    # when / then
    for token in (issued.token, old):
        with pytest.raises(links.LinkRevoked) as raised:
            links.resolve_link(token, LinkScope.VIEW, model=Case)
        assert raised.value.claimed


# --- links sent before this module ---------------------------------------------------------


def test_a_case_link_of_before_still_opens_until_its_365_days_are_over(guest_case):
    fresh, old, expired = (old_case_token(guest_case, days=d) for d in (0, 364, 366))

    assert links.resolve_link(fresh, LinkScope.VIEW, model=Case).target == guest_case
    assert links.resolve_link(old, LinkScope.VIEW, model=Case).target == guest_case
    with pytest.raises(links.LinkExpired):
        links.resolve_link(expired, LinkScope.VIEW, model=Case)


def test_a_case_link_of_before_cannot_pay(guest_case):
    with pytest.raises(links.LinkInvalid):
        links.resolve_link(old_case_token(guest_case), LinkScope.PAY, model=Case)


# --- the guest's pages ---------------------------------------------------------------------


def test_the_guest_page_opens_with_a_link_and_with_a_link_of_before(client, guest_case):
    for token in (case_guest_link(case=guest_case).token, old_case_token(guest_case, days=200)):
        response = client.get(guest_page(token))
        assert response.status_code == 200
        assert guest_case.reference in response.content.decode()


def test_an_expired_link_says_so_and_sends_a_fresh_one_to_where_it_went(client, guest_case):
    # given
    issued = case_guest_link(case=guest_case)
    expire_links()

    # when
    page = client.get(guest_page(issued.token))

    # then
    assert page.status_code == 410
    assert page.templates[0].name == "cases/link_problem.html"
    text = page.content.decode()
    assert "This link has expired" in text and "Send me a new link" in text
    assert guest_case.reference not in text

    # when
    before = GuestLink.objects.count()
    sent = client.post(reverse("cases:link_refresh", kwargs={"token": issued.token}))
    again = client.post(reverse("cases:link_refresh", kwargs={"token": issued.token}))

    # then: one message, to the address on the old link, with a link that works
    assert sent.status_code == again.status_code == 200
    assert "Check your messages" in sent.content.decode()
    message = Notification.objects.get(template_key="cases/fresh_link")
    assert message.to_address == "ana@example.org"
    fresh = message.link_url.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(guest_page(fresh)).status_code == 200
    assert GuestLink.objects.count() == before + 1


def test_a_revoked_link_says_so(client, guest_case):
    issued = case_guest_link(case=guest_case)
    links.links_revoke(target=guest_case, reason=GuestLink.RevokedReason.OWNER)

    page = client.get(guest_page(issued.token))

    assert page.status_code == 410
    assert "This link no longer works" in page.content.decode()


def test_an_expired_link_of_before_also_gets_a_fresh_link(client, guest_case):
    expire_links()  # no other link sent lately (one a few minutes old would do instead)
    old = old_case_token(guest_case, days=400)

    page = client.get(guest_page(old))
    sent = client.post(reverse("cases:link_refresh", kwargs={"token": old}))

    assert page.status_code == 410 and "Send me a new link" in page.content.decode()
    assert sent.status_code == 200
    assert Notification.objects.filter(
        template_key="cases/fresh_link", to_address="ana@example.org"
    ).exists()


def test_a_working_or_forged_link_gets_no_fresh_link(client, guest_case):
    issued = case_guest_link(case=guest_case)

    for token in (issued.token, issued.token[:-3] + "abc", "nonsense"):
        response = client.post(reverse("cases:link_refresh", kwargs={"token": token}))
        assert response.status_code == 400
    assert not Notification.objects.filter(template_key="cases/fresh_link").exists()


def test_a_claimed_case_asks_to_sign_in_and_sends_no_fresh_link(client, guest_case, resident):
    issued = case_guest_link(case=guest_case)
    Case.objects.filter(pk=guest_case.pk).update(applicant=resident)

    page = client.get(guest_page(issued.token))
    sent = client.post(reverse("cases:link_refresh", kwargs={"token": issued.token}))

    assert page.status_code == 410 and "Sign in to continue" in page.content.decode()
    assert sent.status_code == 400
    assert not Notification.objects.filter(template_key="cases/fresh_link").exists()


def test_a_forged_link_says_it_does_not_work(client, guest_case):
    page = client.get(guest_page("x" * 43))

    assert page.status_code == 404
    assert "This link does not work" in page.content.decode()


@fuzz(60)
@given(
    token=st.one_of(
        st.text(min_size=1, max_size=600),
        st.from_regex(r"[A-Za-z0-9_:\-]{1,120}", fullmatch=True),
    ).map(lambda text: text.replace("/", "_")),
    scope=st.sampled_from(LinkScope.values),
)
def test_any_token_gives_a_link_error_or_a_page_never_a_server_error(guest_case, token, scope):
    try:
        resolved = links.resolve_link(token, scope, model=Case)
    except links.LinkError:
        resolved = None
    assert resolved is None  # no made-up token opens anything
    assert links.link_ticket(token) is None
    no_server_error(Client().get(guest_page(token)))
    no_server_error(Client().post(reverse("cases:link_refresh", kwargs={"token": token})))


def test_the_owner_stops_every_link_and_gets_a_new_one(client, guest_case):
    # given: two links to the case, one of them shared by mistake
    shared = case_guest_link(case=guest_case)
    other = case_guest_link(case=guest_case)
    page = client.get(guest_page(shared.token))
    assert "Stop this link and send me a new one" in page.content.decode()

    # when
    response = client.post(reverse("cases:link_replace", kwargs={"token": shared.token}))

    # then: neither opens any more, and one new link went to the guest's address
    assert response.status_code == 200
    for token in (shared.token, other.token):
        assert client.get(guest_page(token)).status_code == 410
    message = Notification.objects.get(template_key="cases/fresh_link")
    assert message.to_address == "ana@example.org"
    fresh = message.link_url.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(guest_page(fresh)).status_code == 200


def test_a_link_that_does_not_work_cannot_stop_the_others(client, guest_case):
    working = case_guest_link(case=guest_case)

    response = client.post(reverse("cases:link_replace", kwargs={"token": "x" * 43}))

    assert response.status_code == 400
    assert client.get(guest_page(working.token)).status_code == 200


def test_staff_withdraw_links_in_the_back_office(client, guest_case):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from tests.accounts.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(admin, generate_totp_secret())
    client.force_login(admin)
    admin_client = client
    issued = case_guest_link(case=guest_case)

    response = admin_client.post(
        reverse("admin:cases_guestlink_changelist"),
        {"action": "revoke", "_selected_action": [issued.link.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert GuestLink.objects.get(pk=issued.link.pk).revoked_reason == "staff"
    with pytest.raises(links.LinkRevoked):
        links.resolve_link(issued.token, LinkScope.VIEW, model=Case)
