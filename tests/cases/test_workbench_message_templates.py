"""Message templates are configured in the admin, with a text per language (the default
language's at least); the queue reads in the person's language."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from cases.workbench.models import MessageTemplate
from tests.accounts.factories import StaffFactory
from tests.cases.factories import CaseFactory, DepartmentFactory
from tests.cases.workflows import TEST_PERMIT

pytestmark = pytest.mark.django_db

ADD = reverse("admin:cases_messagetemplate_add")


@pytest.fixture
def administrator(client):
    person = StaffFactory(roles=["administrator"], is_superuser=True)
    TOTP.activate(person, generate_totp_secret())
    client.force_login(person)
    return person


def _form(**texts):
    data = {
        "name": "Documents received",
        "active": "on",
        "order": "100",
        "texts-TOTAL_FORMS": str(len(texts)),
        "texts-INITIAL_FORMS": "0",
        "texts-MIN_NUM_FORMS": "0",
        "texts-MAX_NUM_FORMS": "1000",
    }
    for number, (language, body) in enumerate(texts.items()):
        data[f"texts-{number}-language"] = language
        data[f"texts-{number}-body"] = body
    return data


def test_an_administrator_adds_a_template_in_english_and_spanish(client, administrator):
    response = client.post(ADD, _form(en="We received it.", es="Lo recibimos."))

    assert response.status_code == 302
    template = MessageTemplate.objects.get()
    assert template.text_for("es") == "Lo recibimos."
    assert template.text_for("en") == "We received it."


def test_a_template_without_the_default_language_is_refused(client, administrator):
    response = client.post(ADD, _form(es="Lo recibimos."))

    assert response.status_code == 200
    assert "Write the message in English at least" in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_the_queue_reads_in_spanish_with_the_services_words(client):
    DepartmentFactory(code=TEST_PERMIT.department_code, name="Permisos")
    clerk = StaffFactory(roles=["clerk"], preferred_language="es")
    TOTP.activate(clerk, generate_totp_secret())
    CaseFactory()
    client.force_login(clerk)

    response = client.get(reverse("workbench:queue"), {"view": "all"}, HTTP_ACCEPT_LANGUAGE="es")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Asignados a mí" in page
    assert "Sin asignar" in page
