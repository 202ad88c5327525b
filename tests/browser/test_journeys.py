"""Whole journeys through a real browser: a resident signs up and reaches their account; a
clerk is made to set up two-factor authentication before the back office; the login form
works with the keyboard alone."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.accounts.totp import current_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


def submit_form_with(page: Page, field_name: str) -> None:
    """Click the submit button of the page's own form (in <main>) holding `field_name`.

    Scoped to <main> because the header's language switcher is a form too.
    """
    page.locator(f"main form:has([name={field_name}]) [type=submit]").first.click()


def log_in(page: Page, *, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + reverse("account_login"))
    page.fill("main input[name=login]", email)
    page.fill("main input[name=password]", password)
    submit_form_with(page, "password")


def test_resident_signs_up_confirms_email_and_reaches_their_account(
    page: Page, live_server, mailoutbox
):
    # given: a new resident fills in the sign-up form
    page.goto(live_server.url + reverse("account_signup"))
    page.fill("input[name=full_name]", "Maria Lopez")
    page.fill("input[name=email]", "maria.lopez@example.org")
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)

    # when: they submit it
    submit_form_with(page, "password2")

    # then: they are asked to confirm their address, and the message with the link arrived
    expect(page).to_have_url(live_server.url + reverse("account_email_verification_sent"))
    assert [message.to for message in mailoutbox] == [["maria.lopez@example.org"]]
    link = CONFIRM_LINK.search(mailoutbox[0].body).group(0)

    # when: they open the link and confirm
    page.goto(live_server.url + urlsplit(link).path)
    submit_form_with(page, "csrfmiddlewaretoken")

    # then: they are signed in and see their account
    expect(page).to_have_url(live_server.url + reverse("portal:dashboard"))
    user = User.objects.get(email="maria.lopez@example.org")
    assert (user.full_name, user.emailaddress_set.get().verified) == ("Maria Lopez", True)

    # when: they sign out and sign in again with the new password
    page.goto(live_server.url + reverse("account_logout"))
    submit_form_with(page, "csrfmiddlewaretoken")
    log_in(page, base_url=live_server.url, email="maria.lopez@example.org", password=NEW_PASSWORD)

    # then: the dashboard is theirs
    expect(page).to_have_url(live_server.url + reverse("portal:dashboard"))
    expect(page.locator("h1")).to_have_text("My account")


def test_clerk_must_set_up_two_factor_authentication_before_the_back_office(
    page: Page, live_server
):
    # given: a clerk who may view cases but has no authenticator yet
    clerk = StaffFactory()
    clerk.user_permissions.add(Permission.objects.get(codename="view_case"))
    log_in(page, base_url=live_server.url, email=clerk.email, password=DEFAULT_PASSWORD)
    expect(page).to_have_url(live_server.url + reverse("portal:dashboard"))

    # when: they open the back office
    page.goto(live_server.url + reverse("admin:index"))

    # then: they are sent to set up an authenticator app, after confirming their password
    # (allauth asks for it again before any change to two-factor authentication)
    expect(page).to_have_url(
        re.compile(re.escape(live_server.url + reverse("account_reauthenticate")))
    )
    page.fill("main input[name=password]", DEFAULT_PASSWORD)
    submit_form_with(page, "password")
    expect(page).to_have_url(
        live_server.url + reverse("mfa_activate_totp") + "?next=" + reverse("admin:index")
    )
    assert not is_mfa_enabled(clerk)

    # when: they add the secret shown on the page to their app and type its current code
    secret = page.locator("#authenticator_secret").input_value()
    code = current_totp_code(secret)
    page.fill("input[name=code]", code)
    submit_form_with(page, "code")

    # then: two-factor authentication is on, and the back office's case list opens
    expect(page).to_have_url(re.compile(re.escape(live_server.url + "/accounts/2fa/")))
    assert is_mfa_enabled(clerk)
    page.goto(live_server.url + reverse("admin:cases_case_changelist"))
    expect(page).to_have_url(live_server.url + reverse("admin:cases_case_changelist"))
    expect(page.locator("#changelist")).to_be_visible()


def test_login_form_works_with_the_keyboard_alone(page: Page, live_server):
    # given
    resident = UserFactory()
    page.goto(live_server.url + reverse("account_login"))

    # when: Tab reaches the e-mail field, then the password field; Enter submits
    tab_until_focused(page, "input[name=login]")
    page.keyboard.type(resident.email)
    tab_until_focused(page, "input[name=password]", limit=3)
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")

    # then
    expect(page).to_have_url(live_server.url + reverse("portal:dashboard"))


def tab_until_focused(page: Page, selector: str, *, limit: int = 40) -> int:
    """Press Tab until `selector` has the focus; return how many presses it took."""
    target = page.locator(selector)
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{selector} was not reached with {limit} presses of Tab.")
