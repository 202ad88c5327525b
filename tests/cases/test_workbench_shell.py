"""The workbench's shell: who may enter /staff/, and the navigation services register."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils.translation import gettext_lazy

from cases.workbench import nav

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered_item():
    item = nav.NavItem(
        key="tests.page",
        label=gettext_lazy("A test work area"),
        url_name="workbench:home",
        order=1,
        shown_to=lambda user: user.email.startswith("clerk"),
    )
    nav.register(item)
    yield item
    nav._ITEMS.pop(item.key, None)


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("workbench:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=/staff/" in response["Location"]


def test_a_resident_is_refused(client, django_user_model):
    resident = django_user_model.objects.create_user(email="r@example.org", password="x")
    client.force_login(resident)

    response = client.get(reverse("workbench:home"))

    assert response.status_code == 403


def test_staff_without_two_factor_are_sent_to_set_it_up(client, django_user_model):
    clerk = django_user_model.objects.create_user(
        email="clerk@example.org", password="x", is_staff=True
    )
    client.force_login(clerk)

    response = client.get(reverse("workbench:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_with_two_factor_see_what_is_registered_for_them(
    client, django_user_model, registered_item
):
    clerk = django_user_model.objects.create_user(
        email="clerk@example.org", password="x", is_staff=True
    )
    other = django_user_model.objects.create_user(
        email="other@example.org", password="x", is_staff=True
    )
    for person in (clerk, other):
        TOTP.activate(person, generate_totp_secret())

    client.force_login(clerk)
    shown = client.get(reverse("workbench:home"))
    client.force_login(other)
    hidden = client.get(reverse("workbench:home"))

    assert shown.status_code == 200
    assert "A test work area" in shown.content.decode()
    assert [item.label for item in shown.context["workbench_nav"]] == ["A test work area"]
    assert shown.context["workbench_nav"][0].current is True
    assert hidden.status_code == 200
    assert "A test work area" not in hidden.content.decode()
