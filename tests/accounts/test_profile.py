import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Ana Ruiz",
    "phone": "(202) 555-0143",
    "preferred_language": "en",
    "notify_by_email": "on",
}


def test_profile_requires_sign_in(client):
    # when
    response = client.get(reverse("accounts:profile"))

    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('accounts:profile')}"


def test_profile_form_shows_current_details(client, resident):
    # given
    client.force_login(resident)

    # when
    response = client.get(reverse("accounts:profile"))

    # then
    assert response.status_code == 200
    assert response.templates[0].name == "account/profile.html"
    html = response.content.decode()
    assert f'value="{resident.full_name}"' in html
    assert 'type="tel"' in html
    assert '<legend class="usa-legend">Language for messages and pages</legend>' in html


def test_saving_the_profile_updates_details_and_switches_language(client, resident):
    # given
    client.force_login(resident)

    # when
    response = client.post(
        reverse("accounts:profile"),
        {**VALID, "preferred_language": "es", "notify_by_sms": "on"},
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    cookie = response.cookies["django_language"]
    assert (cookie.value, cookie["samesite"], cookie["httponly"]) == ("es", "Lax", True)
    resident.refresh_from_db()
    assert resident.full_name == "Ana Ruiz"
    assert str(resident.phone) == "+12025550143"
    assert resident.preferred_language == "es"
    assert resident.notify_by_email is True
    assert resident.notify_by_sms is True
    page = client.get(response.url).content.decode()
    assert '<html lang="es"' in page


def test_bad_phone_number_is_refused_and_typed_values_kept(client, resident):
    # given
    client.force_login(resident)
    before = resident.full_name

    # when
    response = client.post(
        reverse("accounts:profile"), {**VALID, "full_name": "Ana María Ruiz", "phone": "12"}
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Ana María Ruiz"' in html
    assert 'value="12"' in html
    assert '<a href="#id_phone">Mobile phone number: Enter a valid phone number' in html
    assert 'aria-invalid="true"' in html
    resident.refresh_from_db()
    assert resident.full_name == before
    # The header still shows the saved name, not the rejected one.
    assert response.context["user"].full_name == before


def test_text_messages_without_a_phone_number_are_refused(client, resident):
    # given
    client.force_login(resident)

    # when
    response = client.post(
        reverse("accounts:profile"), {**VALID, "phone": "", "notify_by_sms": "on"}
    )

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<a href="#id_phone">Mobile phone number: Enter a mobile phone number to get text '
        "messages.</a>"
    ) in html
    assert 'name="notify_by_sms" class="checkboxinput usa-checkbox__input"' in html
    sms_checkbox = re.search(r'<input [^>]*id="id_notify_by_sms"[^>]*>', html).group(0)
    assert " checked" in sms_checkbox
    resident.refresh_from_db()
    assert resident.notify_by_sms is False


def test_a_name_with_invisible_formatting_characters_is_refused_and_kept(client, resident):
    # given: a right-to-left override makes "Ana ziuR" print as "Ana Ruiz" reversed
    client.force_login(resident)
    before = resident.full_name

    # when
    response = client.post(reverse("accounts:profile"), {**VALID, "full_name": "Ana \u202eziuR"})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Remove the invisible formatting characters from this answer." in html
    assert 'value="Ana \u202eziuR"' in html
    resident.refresh_from_db()
    assert resident.full_name == before


def test_a_name_is_saved_in_composed_form(client, resident):
    client.force_login(resident)
    client.post(reverse("accounts:profile"), {**VALID, "full_name": "Jose\u0301 Ruiz"})
    resident.refresh_from_db()
    assert resident.full_name == "Jos\u00e9 Ruiz"
