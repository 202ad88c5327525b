"""The layout's cached fragments: each visitor still gets their language, role, page, token
and data, however the cache was filled before them."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases import services as case_services
from cases.models import CaseStatus
from portal import services_catalogue
from portal.services_catalogue import CatalogueEntry
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import CaseFactory
from tests.cases.workflows import TEST_PERMIT
from tests.notifications.factories import InAppNotificationFactory

pytestmark = pytest.mark.django_db


def _csrf_tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_header_follows_the_language_after_the_other_language_was_cached(client):
    # given: the English header is cached
    client.get(reverse("portal:home"))

    # when
    client.cookies["django_language"] = "es"
    html = client.get(reverse("portal:home")).content.decode()

    # then
    assert '<html lang="es"' in html
    assert ">Servicios</span>" in html
    assert ">English</button>" in html
    assert ">Español</button>" not in html


def test_header_follows_the_role_after_another_role_was_cached(client, resident):
    # given: the guest's and the resident's headers are cached
    Client().get(reverse("portal:home"))
    resident_client = Client()
    resident_client.force_login(resident)
    resident_html = resident_client.get(reverse("portal:home")).content.decode()
    client.force_login(StaffFactory())

    # when
    staff_html = client.get(reverse("portal:home")).content.decode()
    guest_html = Client().get(reverse("portal:home")).content.decode()

    # then
    assert "Staff back office" in staff_html
    assert "Staff back office" not in resident_html
    assert ">Sign out</span>" in staff_html
    assert ">Sign in</span>" in guest_html
    assert ">Sign out</span>" not in guest_html


def test_header_marks_the_current_page_on_each_page(client, resident):
    # given
    client.force_login(resident)
    client.get(reverse("portal:home"))

    # when
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    home = client.get(reverse("portal:home")).content.decode()

    # then
    assert 'href="/account/" aria-current="page"' in dashboard
    assert 'href="/" aria-current="page"' not in dashboard
    assert 'href="/" aria-current="page"' in home
    assert 'href="/account/" aria-current="page"' not in home


def test_tokens_and_return_paths_are_never_cached(resident):
    # given: two visitors with their own sessions, the first filling the cache
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(resident)
    second.force_login(UserFactory())
    first.get(reverse("portal:dashboard"))

    # when
    html = second.get(reverse("portal:dashboard")).content.decode()
    search = second.get(reverse("portal:service_search")).content.decode()

    # then: the second visitor's token works for the forms on their page
    tokens = _csrf_tokens(html)
    assert len(tokens) == 3  # the language switcher, "Sign out" and the messages' form
    response = second.post(
        reverse("set_language"),
        {"language": "es", "next": "/account/", "csrfmiddlewaretoken": tokens[0]},
    )
    assert response.status_code == 302
    assert '<input name="next" type="hidden" value="/account/">' in html
    assert '<input name="next" type="hidden" value="/services/">' in search


def test_home_shows_a_service_registered_after_it_was_cached(client):
    # given
    client.get(reverse("portal:home"))
    entry = CatalogueEntry(
        key="tests.late",
        title="Apply for a street party permit",
        description="Close a street for a neighborhood party.",
        url_name="portal:home",
    )

    # when
    services_catalogue.register(entry)
    try:
        html = client.get(reverse("portal:home")).content.decode()
    finally:
        services_catalogue.unregister(entry.key)

    # then
    assert "Apply for a street party permit" in html
    assert (
        "Apply for a street party permit" not in client.get(reverse("portal:home")).content.decode()
    )


def test_layout_shows_changed_agency_settings_at_once(client, settings):
    # given
    client.get(reverse("portal:home"))

    # when
    settings.AGENCY = {**settings.AGENCY, "name": "Town of Shelbyville", "phone": "(555) 020-0200"}
    html = client.get(reverse("portal:home")).content.decode()

    # then
    assert "Online services of the Town of Shelbyville" in html
    assert '<p class="usa-footer__logo-heading">Town of Shelbyville</p>' in html
    assert ">(555) 020-0200</a>" in html


def test_dashboard_shows_a_status_change_after_the_list_was_cached(client, resident, clerk):
    # given
    case = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    client.force_login(resident)
    assert ">Received</span>" in client.get(reverse("portal:dashboard")).content.decode()

    # when
    case_services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=clerk)
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert ">Being reviewed</span>" in html
    assert ">Received</span>" not in html


def test_dashboard_shows_a_message_read_after_the_inbox_was_cached(client, resident):
    # given
    message = InAppNotificationFactory(recipient=resident, subject="Permit approved")
    client.force_login(resident)
    assert ">New</span>" in client.get(reverse("portal:dashboard")).content.decode()

    # when
    client.post(reverse("notifications:mark_read", args=[message.pk]), {"next": "/account/"})
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert ">New</span>" not in html
    assert "unread message" not in html
    assert reverse("notifications:mark_read", args=[message.pk]) not in html


def test_500_page_is_in_the_language_of_each_error(client):
    # given: an English page has filled the cache
    from django.utils import translation

    from portal.views import server_error

    client.get(reverse("portal:home"))

    # when
    with translation.override("es"):
        html = server_error(None).content.decode()

    # then
    assert ">Servicios</span>" in html
    assert '<p class="usa-footer__logo-heading">' in html
    assert ">Services</span>" not in html
