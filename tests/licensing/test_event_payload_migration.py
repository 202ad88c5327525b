"""Licensing's older events, stored as sentences, become payloads worded in the reader's
language (migration licensing 0018), and anything else keeps its text."""

import importlib

import pytest
from django.db import connection
from django.utils import translation

from cases.models import CaseEvent
from tests.licensing.factories import ApplicationFactory

pytestmark = pytest.mark.django_db

FORWARD = importlib.import_module("licensing.migrations.0018_events_as_payload").FORWARD


def _old_event(case, kind: str, body: str) -> CaseEvent:
    """An event as the portal wrote it before payloads."""
    return CaseEvent.objects.create(case=case, kind=kind, audience="participants", body=body)


def test_old_sentences_become_payloads_read_in_spanish(resident):
    # given
    case = ApplicationFactory(applicant=resident).case
    paid = _old_event(case, "payment", "Application fee paid.")
    issued = _old_event(case, "update", "License BAR-2026-000007 issued, valid until 2027-01-31.")
    other = _old_event(case, "update", "Inspection passed on Tuesday.")

    # when
    with connection.cursor() as cursor:
        cursor.execute(FORWARD)

    # then
    paid, issued, other = (CaseEvent.objects.get(pk=e.pk) for e in (paid, issued, other))
    assert (paid.kind, paid.payload, paid.body) == ("payment", {"fee": "application"}, "")
    assert (issued.kind, issued.payload, issued.body) == (
        "license_issued",
        {"number": "BAR-2026-000007", "expires_on": "2027-01-31"},
        "",
    )
    assert (other.kind, other.payload, other.body) == (
        "update",
        {},
        "Inspection passed on Tuesday.",
    )
    with translation.override("es"):
        assert paid.text == "Cargo de solicitud pagado."
        assert issued.text.startswith("Licencia BAR-2026-000007 emitida, válida hasta el 31")
        assert other.text == "Inspection passed on Tuesday."
