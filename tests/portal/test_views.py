import re

import django.db
import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from portal import services_catalogue
from portal.selectors import services_matching
from portal.services_catalogue import CatalogueEntry
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory
from tests.cases.workflows import TEST_PERMIT
from tests.concerns.factories import CategoryFactory
from tests.licensing.factories import LicenseTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue_entry():
    """A service registered the way a service app registers one."""
    entry = CatalogueEntry(
        key="tests.licence",
        title="Apply for a food truck license",
        description="Sell food from a vehicle on public streets.",
        url_name="portal:home",
        keywords=("vendor", "mobile kitchen"),
        order=5,
    )
    services_catalogue.register(entry)
    yield entry
    services_catalogue.unregister(entry.key)


def test_home_lists_the_catalogue_with_a_search_box(client, catalogue_entry):
    # when
    response = client.get(reverse("portal:home"))

    # then
    assert response.status_code == 200
    assert response.templates[0].name == "portal/home.html"
    html = response.content.decode()
    assert "<h1>What do you need to do?</h1>" in html
    assert html.count("<h1") == 1
    assert 'action="/services/" method="get"' in html
    assert '<label class="usa-sr-only" for="service-search">Search for a service</label>' in html
    keys = [entry.key for entry in response.context["entries"]]
    assert keys[0] == "tests.licence"
    assert {"portal.status", "portal.account"} <= set(keys)
    assert 'href="/account/">Check the status of a request</a>' in html
    assert 'href="/accounts/profile/">Manage your account</a>' in html


def test_home_has_no_breadcrumbs_but_pages_below_it_do(client):
    # when
    home = client.get(reverse("portal:home")).content.decode()
    search = client.get(reverse("portal:service_search")).content.decode()

    # then
    assert "usa-breadcrumb" not in home
    assert '<nav class="usa-breadcrumb padding-bottom-0" aria-label="Breadcrumbs">' in search
    assert '<a href="/" class="usa-breadcrumb__link"><span>Home</span></a>' in search


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("food truck", ["tests.licence"]),
        ("MOBILE kitchen", ["tests.licence"]),
        ("status", ["portal.status"]),
        ("zeppelin", []),
    ],
)
def test_search_finds_entries_by_every_word(client, catalogue_entry, query, expected):
    # when
    response = client.get(reverse("portal:service_search"), {"q": query})

    # then
    assert response.status_code == 200
    assert [entry.key for entry in response.context["results"]] == expected
    assert response.context["query"] == query


def test_search_without_results_says_what_to_do_next(client):
    # when
    response = client.get(reverse("portal:service_search"), {"q": "zeppelin"})

    # then
    html = response.content.decode()
    assert "0 services match “zeppelin”." in html
    assert "<h2>No service found</h2>" in html
    assert 'value="zeppelin"' in html


def test_search_ignores_case_and_accents():
    # given
    entry = CatalogueEntry(
        key="tests.tramite",
        title="Trámite de licencia",
        description="Solicitar una licencia de vendedor ambulante.",
        url_name="portal:home",
    )
    services_catalogue.register(entry)

    # when
    try:
        groups = services_matching(query="TRAMITE vendedor")
    finally:
        services_catalogue.unregister(entry.key)

    # then
    assert [result.key for group in groups for result in group.results] == ["tests.tramite"]


def test_search_matches_in_the_visitor_language(client):
    # given
    client.cookies["django_language"] = "es"

    # when: "seguimiento" is the Spanish of one of the status page's keywords ("track");
    # a word such as "solicitud" now also finds every service one applies for.
    response = client.get(reverse("portal:service_search"), {"q": "seguimiento"})

    # then
    assert [entry.key for entry in response.context["results"]] == ["portal.status"]


def _requests(response):
    """What the dashboard's "My requests" section showed."""
    return next(s.section for s in response.context["sections"] if s.key == "cases.requests")


def test_dashboard_requires_sign_in(client):
    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={reverse('portal:dashboard')}"


def test_dashboard_lists_only_my_cases_with_their_plain_language_status(client, resident):
    # given
    mine = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    CaseFactory(kind=TEST_PERMIT.kind, applicant=UserFactory())
    client.force_login(resident)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    assert response.status_code == 200
    assert response.templates[0].name == "portal/dashboard.html"
    assert _requests(response).shown == [mine]
    html = response.content.decode()
    assert f'<a class="usa-link" href="{mine.get_absolute_url()}">{mine.reference}</a>' in html
    assert "Test permit" in html
    assert ">Received</span>" in html


def test_dashboard_of_a_staff_member_shows_their_own_requests_only(client, clerk):
    # given
    CaseFactory(kind=TEST_PERMIT.kind, applicant=UserFactory())
    client.force_login(clerk)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    assert _requests(response).shown == []
    assert "You have no requests yet." in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_cases(
    client, resident, django_assert_max_num_queries
):
    # given
    client.force_login(resident)
    CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    with django_assert_max_num_queries(50) as few:
        client.get(reverse("portal:dashboard"))
    baseline = len(few.captured_queries)
    for _ in range(15):
        CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)

    # when / then
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("portal:dashboard"))
    assert len(_requests(response).shown) == 10


def test_dashboard_shows_the_ten_newest_requests_and_links_to_all_of_them(client, resident):
    # given
    cases = [CaseFactory(kind=TEST_PERMIT.kind, applicant=resident) for _ in range(11)]
    client.force_login(resident)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    assert _requests(response).shown == cases[:0:-1]
    html = response.content.decode()
    assert cases[0].reference not in html
    assert f'<a class="usa-link" href="{reverse("cases:list")}">See all my requests</a>' in html


def test_dashboard_has_no_link_to_all_requests_when_it_shows_them_all(client, resident):
    # given
    for _ in range(10):
        CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    client.force_login(resident)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    assert len(_requests(response).shown) == 10
    assert _requests(response).more is False
    assert "See all my requests" not in response.content.decode()


def test_theme_css_carries_the_agency_colors_and_is_cacheable(client, settings):
    # given
    settings.AGENCY = {**settings.AGENCY, "primary_color": "#FFD700"}

    # when
    response = client.get(reverse("portal:theme_css"))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css"
    assert "max-age=2592000" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    css = response.content.decode()
    assert ".portal-brand-bar { background-color: #ffd700; color: #1b1b1b; }" in css
    assert (
        client.get(reverse("portal:theme_css"), HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )


def test_theme_falls_back_to_uswds_colors_for_an_invalid_setting(client, settings):
    # given
    settings.AGENCY = {**settings.AGENCY, "primary_color": "red; } body { display: none"}

    # when
    css = client.get(reverse("portal:theme_css")).content.decode()

    # then
    assert ".portal-brand-bar { background-color: #1a4480; color: #ffffff; }" in css
    assert "display: none" not in css


def test_base_layout_links_the_theme_and_has_a_skip_link(client):
    # when
    html = client.get(reverse("portal:home")).content.decode()

    # then
    assert '<html lang="en" class="no-js">' in html
    assert '<a class="usa-skipnav" href="#main-content">Skip to main content</a>' in html
    assert '<main id="main-content"' in html
    assert '<link rel="stylesheet" href="/theme.css?v=' in html
    assert " style=" not in html
    assert "<script>" not in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "Page not found"), ("es", "Página no encontrada")],
)
def test_404_page_is_in_the_visitor_language(client, language, heading):
    # given
    client.cookies["django_language"] = language

    # when
    response = client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert f'<html lang="{language}"' in html


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "Sorry, there is a problem with the service"),
        ("es", "Lo sentimos, hay un problema con el servicio"),
    ],
)
def test_500_page_renders_without_a_request_context(language, heading):
    # given
    from portal.views import server_error

    # when
    with translation.override(language):
        response = server_error(None)

    # then
    assert response.status_code == 500
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert "portal-language-switcher" not in html


@pytest.mark.parametrize(
    "error",
    [
        # Django's wrapper of the driver's errors, raised by queries
        django.db.OperationalError("connection failed"),
        django.db.InterfaceError("connection already closed"),
        # the driver's own, which reach the view unwrapped where Django closes a server-side
        # cursor (a form's choices read with .iterator()) on a connection the server dropped
        psycopg.OperationalError("consuming input failed: server closed the connection"),
        psycopg.InterfaceError("the connection is closed"),
    ],
    ids=repr,
)
def test_a_lost_database_is_a_503_try_again_not_a_500(error):
    from portal.views import server_error

    # when: the handler is called inside the except block, as Django calls it
    try:
        raise error
    except type(error):
        response = server_error(None)

    # then
    assert response.status_code == 503
    assert response["Retry-After"]


@pytest.mark.parametrize(
    ("view", "status", "heading"),
    [
        ("bad_request", 400, "We could not understand that request"),
        ("permission_denied", 403, "You cannot see this page"),
    ],
)
def test_400_and_403_pages(rf, view, status, heading):
    # given
    from django.contrib.auth.models import AnonymousUser

    from portal import views

    request = rf.get("/")
    request.user = AnonymousUser()

    # when
    with translation.override("en"):
        response = getattr(views, view)(request)

    # then
    assert response.status_code == status
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_language_switcher_sets_spanish_and_returns_to_the_page(client):
    # when
    response = client.post(
        reverse("set_language"), {"language": "es", "next": reverse("portal:service_search")}
    )

    # then
    assert response.status_code == 302
    assert response.url == reverse("portal:service_search")
    html = client.get(response.url).content.decode()
    assert '<html lang="es"' in html
    assert 'name="language" value="en"' in html
    assert ">English</button>" in html


def test_expired_form_gets_the_plain_language_csrf_page():
    # given
    from django.test import Client

    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})

    # then
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Your page expired</h1>" in html
    assert 'class="usa-header usa-header--basic"' in html


def test_the_403_page_says_why_when_the_refusal_gives_a_reason(rf):
    # given: a refusal written for the person, and one that gives no reason
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from portal import views

    request = rf.get("/")
    request.user = AnonymousUser()

    # when
    with translation.override("en"):
        reasoned = views.permission_denied(
            request, PermissionDenied("Only staff of the tax collector's office may.")
        )
        bare = views.permission_denied(request, PermissionDenied())

    # then
    assert "Only staff of the tax collector&#x27;s office may." in reasoned.content.decode()
    assert reasoned.status_code == bare.status_code == 403
    assert "usa-alert" not in bare.content.decode().split("<main")[1]


def test_search_lists_results_by_service_with_a_link_each(client):
    # given
    dog = LicenseTypeFactory(code="dog", name="Dog license", category="Pets")
    CategoryFactory(code="dead-animal", name="Dead animal", keywords="pet, roadkill")

    # when
    response = client.get(reverse("portal:service_search"), {"q": "pet"})

    # then
    html = response.content.decode()
    assert "2 services match “pet”." in html
    assert '<h2 id="service-group-1">Licenses</h2>' in html
    assert '<h2 id="service-group-2">Problems in public places</h2>' in html
    assert f'<a class="usa-link text-bold" href="{dog.get_absolute_url()}">Dog license</a>' in html
    assert 'href="/concerns/report/dead-animal/place/">Dead animal</a>' in html


def test_search_runs_the_same_queries_however_many_types_and_categories(
    client, django_assert_max_num_queries
):
    # given: one license type and one category, then thirty of each
    LicenseTypeFactory(keywords="kennel")
    CategoryFactory(keywords="kennel")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:service_search"), {"q": "kennel"})
    LicenseTypeFactory.create_batch(30, keywords="kennel")
    CategoryFactory.create_batch(30, keywords="kennel")

    # then
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("portal:service_search"), {"q": "kennel"})
    assert len(response.context["results"]) == 62


# Services that have not landed yet; each one's issue restores its own words. Tax bills can
# be looked up (taxes.lookup) but not yet paid online.
NOT_YET_OFFERED = {
    "en": re.compile(r"\bpay\w*\s+(your\s+)?(property[- ])?tax(es)?\b", re.IGNORECASE),
    "es": re.compile(r"\bpag\w*\s+(sus?\s+)?(el\s+|los\s+)?impuestos?\b", re.IGNORECASE),
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("url_name", ["portal:home", "account_login", "account_signup"])
def test_entry_pages_promise_only_services_that_exist(client, url_name, language):
    # given
    client.cookies["django_language"] = language

    # when: (the request activates its language; the override puts back this thread's after)
    with translation.override(language):
        response = client.get(reverse(url_name))

    # then: licenses, permits, concern reports, bookings, fees and tax bill look-ups, but no
    # tax payments yet
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    assert NOT_YET_OFFERED[language].findall(text) == []
