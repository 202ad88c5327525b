"""Spanish labels agree with what they describe.

One English word often serves several things ("Closed" for a report and for a complaint,
"Expired" for an invoice and for a payment attempt, "Due" for an invoice's status and for a
case's date), while Spanish labels take the gender of their noun and each meaning its own
word. The code gives each its own message (a `pgettext` context); these tests hold each label
to the noun it describes.
"""

import importlib

import pytest
from django.template import Context, Template
from django.utils import translation

from cases.models import CaseStatus
from cases.workflow import Workflow
from licensing.models import LicenseStatus
from payments.models import InvoiceStatus, PaymentStatus, RefundStatus


def workflows_of(module: str) -> list[Workflow]:
    found = [
        value
        for value in vars(importlib.import_module(module)).values()
        if isinstance(value, Workflow)
    ]
    assert found
    return found


def spanish(text) -> str:
    with translation.override("es"):
        return str(text)


def render_in_spanish(source: str) -> str:
    with translation.override("es"):
        return Template("{% load i18n %}" + source).render(Context()).strip()


def test_a_concern_report_reads_masculine_like_reporte():
    # given
    (workflow,) = workflows_of("concerns.workflow")

    # when
    labels = {status: spanish(state.label) for status, state in workflow.states.items()}

    # then
    assert labels == {
        CaseStatus.SUBMITTED: "Recibido",
        CaseStatus.IN_PROGRESS: "En proceso",
        CaseStatus.CLOSED: "Cerrado",
        CaseStatus.REOPENED: "Reabierto",
    }


def test_the_public_report_filter_agrees_with_reportes(db):
    # given
    from concerns.forms import PublicFilterForm

    # when
    with translation.override("es"):
        choices = [str(label) for _value, label in PublicFilterForm().fields["status"].choices]

    # then
    assert choices == ["Abiertos y cerrados", "Abiertos", "Cerrados"]


def test_license_requests_read_feminine_like_solicitud_renovacion_and_queja():
    # given: an application ("solicitud"), a renewal ("renovación") and a complaint ("queja")
    workflows = workflows_of("licensing.workflow")

    # when
    received = {spanish(w.states[CaseStatus.SUBMITTED].label) for w in workflows}
    closed = {
        spanish(state.label)
        for w in workflows
        for status, state in w.states.items()
        if status in {CaseStatus.CLOSED, CaseStatus.APPROVED}
    }

    # then
    assert received == {"Recibida"}
    assert closed == {"Cerrada", "Aprobada", "Renovada"}
    assert spanish(translation.gettext_lazy("My requests")) == "Mis solicitudes"


def test_an_invoice_and_a_payment_attempt_expire_in_their_own_gender():
    # then: "la factura vencida", "el pago vencido", "el reembolso reembolsado"
    assert spanish(InvoiceStatus.EXPIRED.label) == "Vencida"
    assert spanish(InvoiceStatus.REFUNDED.label) == "Reembolsada"
    assert spanish(PaymentStatus.EXPIRED.label) == "Vencido"
    assert spanish(PaymentStatus.SUCCEEDED.label) == "Completado"
    assert spanish(RefundStatus.SUCCEEDED.label) == "Reembolsado"
    assert spanish(LicenseStatus.EXPIRED.label) == "Vencida"
    assert spanish(LicenseStatus.ACTIVE.label) == "Vigente"


def test_due_is_an_invoice_status_or_a_date_never_both():
    # then: a pothole report's date is no "Pendiente de pago"
    assert spanish(InvoiceStatus.OPEN.label) == "Pendiente de pago"
    assert render_in_spanish(
        '{% translate "Due" context "date a case should be finished by" %}'
    ) == ("Fecha límite")


def test_overdue_is_late_not_expired():
    # then
    assert spanish(translation.gettext_lazy("Overdue")) == "Atrasado"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            '{% translate "required" context "a document the applicant must upload" %}',
            "obligatorio",
        ),
        ('{% translate "None." context "no license applications" %}', "Ninguna."),
        ('{% translate "None." context "no payments or payment events" %}', "Ninguno."),
        (
            '{% translate "Checkout expired" '
            'context "when the checkout session expired, a date" %}',
            "Vencimiento de la sesión de pago",
        ),
        (
            '{% translate "We could not understand that request" '
            'context "an HTTP request sent by the browser" %}',
            "No pudimos entender lo que envió su navegador",
        ),
    ],
)
def test_a_shared_english_word_reads_as_its_own_noun(source, expected):
    # then
    assert render_in_spanish(source) == expected


def test_staff_counts_are_real_plurals():
    # then: no "caso(s)"
    with translation.override("es"):
        assert translation.ngettext(
            "%(count)d case assigned to you.", "%(count)d cases assigned to you.", 1
        ) == ("Se le asignó %(count)d caso.")
        assert translation.ngettext(
            "%(count)d invoice cancelled.", "%(count)d invoices cancelled.", 3
        ) == ("Se cancelaron %(count)d facturas.")
