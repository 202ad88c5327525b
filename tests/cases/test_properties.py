"""Hostile input on the case pages a visitor reaches: the guest's signed link, the list's
pages, a resident's reply: never a server error."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cases.tokens import guest_token
from tests.cases.factories import CaseFactory
from tests.hostile import fuzz, keeps_what_was_typed, no_server_error, params

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(resident):
    return CaseFactory(applicant=resident)


@fuzz(40)
@given(
    token=st.text(min_size=1, max_size=80).map(lambda text: text.replace("/", "_")),
    query=params(["page"]),
    reply=params(["body"]),
)
def test_random_case_pages_never_fail(resident, case, token, query, reply):
    guest, signed_in = Client(), Client()
    signed_in.force_login(resident)
    no_server_error(guest.get(reverse("cases:guest", args=[token])))
    no_server_error(guest.get(reverse("cases:guest", args=[guest_token(case=case)])))
    no_server_error(signed_in.get(reverse("cases:list"), query))
    response = signed_in.post(reverse("cases:reply", args=[case.reference]), reply)
    no_server_error(response)
    keeps_what_was_typed(response, reply, form_key="reply_form")
