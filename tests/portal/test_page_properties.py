"""Hostile input on every page a visitor can open: each route of the portal's URL
configuration is opened with random or real values in its path and a random query string,
signed out and as the resident who owns the records: never a server error.

Routes written as regular expressions (allauth's e-mailed keys, the Open311 API) and the
webhooks are left to their own tests: tests/accounts/test_key_properties.py,
tests/concerns/test_open311_properties.py, tests/notifications/test_properties.py and
tests/payments/test_webhook_properties.py.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RoutePattern
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from cases.tokens import guest_token as case_token
from licensing import services as licensing
from licensing.services.renewal_links import renewal_guest_token, renewal_link_token
from licensing.verification import verify_token
from payments.tokens import guest_token as invoice_token
from tests.cases.factories import CaseFactory
from tests.concerns.factories import make_report, pothole_category
from tests.hostile import fuzz, params
from tests.licensing.factories import ApplicationFactory, LicenseFactory, LicenseTypeFactory
from tests.notifications.factories import InAppNotificationFactory
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

# Not opened here: the back office, the webhooks (POST only, signed by their provider; the
# e-mail providers' ones are django-anymail's, see tests/notifications/test_delivery_reports.py),
# and allauth's routes, which tests/accounts/test_key_properties.py opens with random queries.
SKIPPED_PREFIXES = ("admin", "account_", "mfa_", "notifications:anymail:")
SKIPPED = {"payments:stripe_webhook", "notifications:twilio_inbound"}

# Every name a view reads from the query string somewhere, and a few it never reads.
QUERY = [
    "page",
    "q",
    "next",
    "from",
    "after",
    "type",
    "status",
    "category",
    "date_from",
    "date_to",
    "cancelled",
    "session_id",
    "format",
    "language",
    "address",
    "latitude",
    "longitude",
]


def _routes(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern


def routes() -> dict:
    """Each route opened here, by name, with its path converters."""
    found = {}
    for name, pattern in _routes(get_resolver().url_patterns):
        if name in SKIPPED or name.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, RoutePattern):
            found[name] = pattern.converters
    return found


def _random(converter):
    if isinstance(converter, IntConverter):
        return st.integers(min_value=0, max_value=10**30)
    if isinstance(converter, UUIDConverter):
        return st.uuids()
    if isinstance(converter, SlugConverter):
        return st.text(alphabet="abcxyz-_0189", min_size=1, max_size=40)
    return st.text(min_size=1, max_size=60).map(lambda text: text.replace("/", "_"))


@pytest.fixture
def resident_records(resident, settings):
    """One of each record the portal keeps for `resident`, and the values that open them."""
    settings.PAYMENTS_GATEWAY = "local"
    case = CaseFactory(applicant=resident)
    invoice = InvoiceFactory(payer=resident)
    license_type = LicenseTypeFactory()
    application = ApplicationFactory(applicant=resident, license_type=license_type)
    license = LicenseFactory(holder=resident)
    renewal = licensing.renewal_start(license=license, actor=resident)
    by_link = licensing.renewal_start(license=LicenseFactory(holder=None), actor=None, by_link=True)
    category = pothole_category()
    report = make_report(category=category, answers={"size": "large"}, reporter=resident)
    message = InAppNotificationFactory(recipient=resident)
    client = Client()
    client.force_login(resident)
    paid = InvoiceFactory(payer=resident)
    checkout = client.post(reverse("payments:invoice_pay", kwargs={"reference": paid.reference}))
    client.post(checkout["Location"], {"decision": "approve"})
    receipt = paid.receipts.get()
    # By app, then by path parameter: the values that open the resident's own records.
    return {
        "cases": {"reference": [case.reference], "token": [case_token(case=case)]},
        "payments": {
            "reference": [paid.reference, invoice.reference],
            "number": [receipt.number],
            "token": [invoice_token(invoice=invoice), invoice_token(invoice=paid)],
        },
        "licensing": {
            "reference": [application.case.reference, renewal.case.reference],
            "number": [license.number],
            "code": [license_type.code],
            "token": [
                verify_token(license=license),
                renewal_link_token(license_id=license.pk, expires_on=license.expires_on),
                renewal_guest_token(application=by_link),
            ],
        },
        "concerns": {
            "reference": [report.case.reference],
            "code": [category.code],
            "token": [case_token(case=report.case)],
            "position": [1],
        },
        "notifications": {"pk": [message.pk]},
    }


@pytest.fixture(params=["signed out", "signed in"])
def visitor(request, resident):
    client = Client()
    if request.param == "signed in":
        client.force_login(resident)
    return client


def test_the_walk_reaches_the_pages_of_every_app():
    names = routes()
    for app in ("portal", "cases", "notifications", "payments", "licensing", "concerns"):
        assert any(name.startswith(f"{app}:") for name in names), app
    assert "accounts:profile" in names


def test_the_resident_records_open_the_pages_they_are_for(resident, resident_records):
    # given: the resident, signed in, and each route with the first of its real values
    client = Client()
    client.force_login(resident)
    opened = set()

    # when
    for name, converters in routes().items():
        real = resident_records.get(name.split(":")[0], {})
        if all(real.get(key) for key in converters):
            for values in zip(*(real[key] for key in converters), strict=False):
                kwargs = dict(zip(converters, values, strict=True))
                if client.get(reverse(name, kwargs=kwargs)).status_code == 200:
                    opened.add(name)

    # then: the random walk reaches real pages, not only "not found"
    assert {
        "cases:detail",
        "payments:invoice",
        "payments:receipt",
        "licensing:license",
        "licensing:license_certificate",
        "licensing:renew_details",
        "licensing:renew_guest_details",
        "licensing:verify",
        "concerns:detail",
    } - opened == set()


def _url(name, converters, records):
    """The route's address with, for each path parameter, the resident's value (three times in
    four, where the resident has one) or any value."""
    real = records.get(name.split(":")[0], {})
    kwargs = {}
    for key, converter in converters.items():
        strategy = _random(converter)
        if real.get(key):
            strategy = st.one_of(strategy, *[st.sampled_from(real[key])] * 3)
        kwargs[key] = strategy
    return st.fixed_dictionaries(kwargs).map(lambda values: reverse(name, kwargs=values))


def _walk(pages, records):
    """One address per route, drawn at once: Hypothesis keeps a timing per draw and its health
    check sums them per draw again, so a draw per route made the walk's cost grow with the
    square of the number of routes."""
    return st.tuples(*(_url(name, converters, records) for name, converters in pages))


# A walk opens every route: shrinking a failing walk replays hundreds of requests per step for
# minutes (and holds every replay's data), while the failure already names the address.
def walk(max_examples: int):
    return settings(fuzz(max_examples), phases=[Phase.explicit, Phase.reuse, Phase.generate])


def _checked(response, url):
    assert response.status_code < 500, (url, response.content[:2000])
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


@walk(20)
@given(data=st.data(), query=params(QUERY))
def test_random_paths_and_queries_on_every_page_never_fail(visitor, resident_records, data, query):
    for url in data.draw(_walk(sorted(routes().items()), resident_records), label="addresses"):
        _checked(visitor.get(url, query), url)


FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\sname="([^"]+)"')
# Posting to these ends the record the other routes are about (a draft application).
NOT_POSTED = {"licensing:discard", "licensing:renew_discard", "licensing:renew_guest_discard"}


@pytest.fixture
def form_fields(visitor, resident_records):
    """The name of every field on the pages this visitor opens with the resident's values (or
    with none, for pages without a path parameter): the names the random forms are made of.
    Read once per visitor, not per example: the random addresses of the walk above mostly open
    "not found" pages, which have no form."""
    fields = set()
    for name, converters in routes().items():
        real = resident_records.get(name.split(":")[0], {})
        if not all(real.get(key) for key in converters):
            continue
        for values in zip(*(real[key] for key in converters), strict=False):
            url = reverse(name, kwargs=dict(zip(converters, values, strict=True)))
            page = _checked(visitor.get(url), url)
            if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
                fields |= set(FIELD_NAME.findall(page.content.decode()))
    return sorted(fields - {"csrfmiddlewaretoken"})


def test_the_forms_are_made_of_the_pages_fields(form_fields):
    # The random forms below send the portal's own field names, not only made-up ones.
    assert {"address", "latitude"} <= set(form_fields)


@walk(10)
@given(data=st.data())
def test_random_forms_posted_to_every_page_never_fail(visitor, resident_records, form_fields, data):
    posted = [(name, converters) for name, converters in sorted(routes().items())]
    posted = [(name, converters) for name, converters in posted if name not in NOT_POSTED]
    urls = data.draw(_walk(posted, resident_records), label="addresses posted to")
    form = params(form_fields)
    forms = data.draw(st.lists(form, min_size=len(urls), max_size=len(urls)), label="forms")
    for url, values in zip(urls, forms, strict=True):
        _checked(visitor.post(url, values), url)
