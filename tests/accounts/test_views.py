import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from tests.accounts.totp import current_totp_code

pytestmark = pytest.mark.django_db

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_sign_up_verify_e_mail_sign_in_and_reach_the_dashboard(client):
    # given
    signup = {
        "full_name": "Ana Ruiz",
        "email": "ana@example.org",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }

    # when: sign up
    response = client.post(reverse("account_signup"), signup)

    # then: nobody is signed in until the address is confirmed
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get(email="ana@example.org")
    assert user.full_name == "Ana Ruiz"
    assert user.preferred_language == "en"
    assert EmailAddress.objects.get(user=user).verified is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ana@example.org"]
    assert mail.outbox[0].body.startswith("Hello from the City of Springfield online services.")
    assert "Questions? Call (555) 010-0100" in mail.outbox[0].body
    link = re.search(r"https?://testserver(/accounts/confirm-email/[^/\s]+/)", mail.outbox[0].body)
    assert link

    # when: follow the link and confirm
    confirm_page = client.get(link.group(1))
    assert confirm_page.status_code == 200
    assert confirm_page.templates[0].name == "account/email_confirm.html"
    response = client.post(link.group(1))

    # then
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True

    # when: sign out, then sign in with the new account
    client.post(reverse("account_logout"))
    response = client.post(
        reverse("account_login"),
        {"login": "ana@example.org", "password": "a-long-and-unusual-passphrase"},
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("portal:dashboard")
    dashboard = client.get(response.url)
    assert dashboard.status_code == 200
    assert dashboard.context["user"] == user


def test_sign_in_before_verifying_sends_the_link_again_and_does_not_sign_in(client):
    # given
    user = UserFactory(verified=False)

    # when
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert "_auth_user_id" not in client.session


def test_sign_up_in_spanish_stores_spanish_as_preferred_language(client):
    # given
    client.cookies["django_language"] = "es"

    # when
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Luis Gómez",
            "email": "luis@example.org",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )

    # then
    assert User.objects.get(email="luis@example.org").preferred_language == "es"


def test_sign_up_errors_are_summarised_and_typed_values_kept(client):
    # when
    response = client.post(
        reverse("account_signup"),
        {"full_name": "", "email": "ana@example", "password1": "x", "password2": "y"},
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="#id_full_name">Full name: This field is required.</a>' in html
    assert 'href="#id_email"' in html
    assert 'value="ana@example"' in html
    assert not User.objects.exists()


def test_repeated_failed_sign_ins_are_rate_limited(client, resident):
    # given: five wrong passwords for the same account
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": resident.email, "password": "wrong-password"}
        )
        assert response.status_code == 200
        assert "The email address and/or password you specified are not correct." in (
            response.content.decode()
        )

    # when: even the right password is refused for now
    response = client.post(
        reverse("account_login"), {"login": resident.email, "password": DEFAULT_PASSWORD}
    )

    # then
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_page_renders_the_portal_layout_and_uswds_fields(client):
    # when
    response = client.get(reverse("account_login"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Sign in | City of Springfield</title>" in html
    assert '<a class="usa-skipnav" href="#main-content">' in html
    assert '<label class="usa-label" for="id_login">' in html
    assert re.search(r'<input type="email" name="login"[^>]*class="textinput usa-input"', html)
    assert '<label class="usa-label" for="id_password">' in html
    assert '<button type="submit" class="usa-button margin-top-1">Sign in</button>' in html
    assert html.count("<h1") == 1


@pytest.mark.parametrize(
    "url_name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_entrance_pages_render_in_the_portal_layout(client, url_name):
    # when
    response = client.get(reverse(url_name))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="usa-header usa-header--basic"' in html
    assert html.count("<h1") == 1
    assert " style=" not in html


@pytest.mark.parametrize(
    "url_name",
    [
        "account_email",
        "account_change_password",
        "account_logout",
        "mfa_index",
        "accounts:profile",
    ],
)
def test_account_settings_pages_render_with_the_settings_menu(client, resident, url_name):
    # given
    client.force_login(resident)

    # when
    response = client.get(reverse(url_name))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<nav aria-label="Account settings">' in html
    assert html.count("<h1") == 1
    assert " style=" not in html


def test_password_reset_by_e_mail_link(client, resident):
    # when: ask for a reset link
    response = client.post(reverse("account_reset_password"), {"email": resident.email})

    # then
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link

    # when: follow it and choose a new password
    response = client.get(link.group(1))
    assert response.status_code == 302
    form_page = client.get(response.url)
    assert form_page.templates[0].name == "account/password_reset_from_key.html"
    response = client.post(
        response.url,
        {"password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_from_key_done")
    resident.refresh_from_db()
    assert resident.check_password("another-long-passphrase")


def test_non_staff_user_gets_403_at_the_admin_not_its_login_form(client, resident):
    # given
    client.force_login(resident)

    # when
    response = client.get("/admin/")

    # then
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>You cannot see this page</h1>" in html
    assert 'name="username"' not in html


def test_anonymous_visitor_at_the_admin_is_sent_to_the_portal_sign_in(client):
    # when
    response = client.get("/admin/", follow=True)

    # then
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2F"
    assert response.templates[0].name == "account/login.html"


def test_staff_without_mfa_are_sent_to_set_up_an_authenticator(client, clerk):
    # given: a clerk signed in with a password only
    client.post(reverse("account_login"), {"login": clerk.email, "password": DEFAULT_PASSWORD})

    # when
    response = client.get("/admin/")

    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('mfa_activate_totp')}?next=/admin/"
    # allauth asks for the password again before an authenticator is added.
    page = client.get(response.url, follow=True)
    assert page.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "Set up two-factor authentication before you use the staff back office." in (
        page.content.decode()
    )
    page = client.post(page.redirect_chain[-1][0], {"password": DEFAULT_PASSWORD}, follow=True)
    assert page.templates[0].name == "mfa/totp/activate_form.html"
    html = page.content.decode()
    assert 'class="display-block margin-y-2 portal-qr-code"' in html
    assert '<label class="usa-label" for="id_code">' in html


def test_staff_with_mfa_sign_in_with_a_code_and_reach_the_admin(client):
    # given
    clerk = StaffFactory()
    TOTP.activate(clerk, TOTP_SECRET)

    # when: password first
    response = client.post(
        reverse("account_login") + "?next=/admin/",
        {"login": clerk.email, "password": DEFAULT_PASSWORD, "next": "/admin/"},
    )

    # then: the second factor is asked for before anything else
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302

    # when: the code from the authenticator app
    response = client.post(reverse("mfa_authenticate"), {"code": current_totp_code(TOTP_SECRET)})

    # then
    assert response.status_code == 302
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_superuser_can_list_search_and_add_users_in_the_admin(client):
    # given
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(admin_user, TOTP_SECRET)
    UserFactory(email="findme@example.org")
    client.force_login(admin_user)

    # when
    changelist = client.get("/admin/accounts/user/?q=findme")
    add = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new.clerk@springfield.example.gov",
            "full_name": "New Clerk",
            "usable_password": "true",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )

    # then
    assert changelist.status_code == 200
    assert [u.email for u in changelist.context["cl"].result_list] == ["findme@example.org"]
    assert add.status_code == 302
    assert User.objects.get(email="new.clerk@springfield.example.gov").full_name == "New Clerk"


def test_mfa_pages_render_in_the_portal_layout_for_an_enrolled_user(client):
    # given: an enrolled clerk who has just confirmed their password again
    from accounts.services import mfa_totp_enrol

    clerk = StaffFactory()
    mfa_totp_enrol(user=clerk, secret=TOTP_SECRET)
    client.force_login(clerk)
    client.post(reverse("account_reauthenticate"), {"password": DEFAULT_PASSWORD})

    # when
    index = client.get(reverse("mfa_index"))
    codes = client.get(reverse("mfa_view_recovery_codes"))
    download = client.get(reverse("mfa_download_recovery_codes"))
    generate = client.get(reverse("mfa_generate_recovery_codes"))
    deactivate = client.get(reverse("mfa_deactivate_totp"))

    # then
    assert index.status_code == 200
    assert "Authentication using an authenticator app is active." in index.content.decode()
    assert codes.status_code == 200
    html = codes.content.decode()
    assert '<textarea class="usa-textarea" id="recovery_codes"' in html
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/plain")
    assert len(download.content.decode().split()) == 10
    for page in (generate, deactivate):
        assert page.status_code == 200
        assert '<nav aria-label="Account settings">' in page.content.decode()
        assert page.content.decode().count("<h1") == 1


def test_second_factor_page_renders_in_the_portal_layout(client):
    # given
    from accounts.services import mfa_totp_enrol

    clerk = StaffFactory()
    mfa_totp_enrol(user=clerk, secret=TOTP_SECRET)
    client.post(reverse("account_login"), {"login": clerk.email, "password": DEFAULT_PASSWORD})

    # when
    response = client.get(reverse("mfa_authenticate"))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label class="usa-label" for="id_code">' in html
    assert 'class="usa-header usa-header--basic"' in html
    assert " style=" not in html


def test_sign_up_refuses_a_name_with_invisible_formatting_characters(client):
    # when
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "Ana \u202eziuR",
            "email": "ana@example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )

    # then
    assert response.status_code == 200
    assert "Remove the invisible formatting characters from this answer." in response.text
    assert 'value="Ana \u202eziuR"' in response.text
    assert not User.objects.exists()
