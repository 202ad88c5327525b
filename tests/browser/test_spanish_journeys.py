"""Three journeys in Spanish, read as a Spanish-speaking resident reads them: a concern report
followed from "Recibido" to "Cerrado" (masculine, like "reporte"); a license application
paid and "Recibida" (feminine, like "solicitud"), its required document "(obligatorio)"; and
a new account whose sign-up page and first e-mail say "usted".

Every run takes the README's Spanish screenshots (so a page that fails to render fails
here); they are saved to the folder named by SCREENSHOTS_DIR when it is set, e.g.:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m portal.devstack exec -- \\
        .venv/bin/python -m pytest tests/browser/test_spanish_journeys.py
"""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from concerns import demo as concerns_demo
from concerns.models import ConcernReport
from concerns.services import report_close, report_start_work
from licensing.models import Application
from payments.models import Invoice
from portal.celery import app as celery_app
from tests.accounts.factories import StaffFactory, UserFactory
from tests.accounts.test_sign_in_spanish import INFORMAL
from tests.browser.pages import VIEWPORTS, choose_language, log_in_browser
from tests.cases.factories import PDF_BYTES
from tests.licensing.factories import LicenseTypeFactory, RequiredDocumentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder = folder if folder.is_absolute() else BASE_DIR / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def spanish_page(page: Page, live_server) -> Page:
    page.set_viewport_size(VIEWPORTS["desktop"])
    choose_language(page, language="es", base_url=live_server.url)
    return page


@pytest.fixture(autouse=True)
def _local_gateway_and_uploads(settings, tmp_path):
    settings.PAYMENTS_GATEWAY = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def take(page: Page, folder: Path, name: str) -> None:
    picture = page.screenshot(path=folder / name, full_page=True)
    assert picture.startswith(b"\x89PNG")


def test_a_concern_report_in_spanish_reads_masculine_from_received_to_closed(
    spanish_page: Page, live_server, screenshots
):
    # given: the demo categories (in English and Spanish), a resident and a clerk
    concerns_demo.seed()
    resident = UserFactory(full_name="Lucía Gómez")
    clerk = StaffFactory()
    page = spanish_page
    log_in_browser(page, user=resident, base_url=live_server.url)

    # when: the resident reports a pothole by its address
    page.goto(live_server.url + reverse("concerns:report_start"))
    page.get_by_role("link", name="Bache").click()
    page.fill("input[name=address]", "Esquina de Monroe St y 5th St")
    page.get_by_role("button", name="Continuar").click()
    page.fill("textarea[name=description]", "Un bache hondo en el carril derecho.")
    page.locator("label", has_text="Más pequeño que un plato").click()
    page.get_by_role("button", name="Enviar el reporte").click()

    # then
    expect(page.locator("h1")).to_have_text("Reporte enviado")
    report = ConcernReport.objects.get(description="Un bache hondo en el carril derecho.")
    page.goto(live_server.url + report.get_absolute_url())
    expect(page.locator("[data-status]")).to_have_text("Recibido")

    # when: the crew starts work
    report_start_work(report=report, actor=clerk)
    page.reload()

    # then
    expect(page.locator("[data-status]")).to_have_text("En proceso")

    # when: the crew fills it and closes the report
    report_close(report=report, actor=clerk, reason="fixed", public_reason="Rellenamos el bache.")
    page.reload()

    # then: "Cerrado" agrees with "reporte", and so does its reason ("Arreglado")
    expect(page.locator("[data-status]")).to_have_text("Cerrado")
    expect(page.locator("[data-close-reason]")).to_contain_text("Arreglado")
    expect(page.locator("main dt").nth(1)).to_have_text("Cerrado")
    expect(page.locator("main")).to_contain_text("Envío")
    expect(page.locator("main")).to_contain_text("Califique nuestro servicio")
    take(page, screenshots, "es-report-closed.png")

    # and the resident's list of requests says the same
    page.goto(live_server.url + reverse("cases:list"))
    row = page.locator("tr", has_text=report.case.reference)
    expect(row).to_contain_text("Cerrado")

    # and the public list filters "Abiertos" and "Cerrados" reports
    page.goto(live_server.url + reverse("concerns:list"))
    status = page.locator("select[name=status]")
    expect(status.locator("option")).to_have_text(["Abiertos y cerrados", "Abiertos", "Cerrados"])


def test_a_license_application_in_spanish_reads_feminine_and_its_document_required(
    spanish_page: Page, live_server, screenshots, tmp_path
):
    # given: a license type with its Spanish texts and a required document
    license_type = LicenseTypeFactory(
        code="barber",
        name="Barber license",
        name_es="Licencia de barbero",
        category="Personal care",
        category_es="Cuidado personal",
        application_fee_cents=5000,
    )
    RequiredDocumentFactory(
        license_type=license_type,
        name="Proof of barber training",
        name_es="Comprobante de formación como barbero",
    )
    resident = UserFactory(full_name="Robin Barbero", email="robin@example.org")
    page = spanish_page
    log_in_browser(page, user=resident, base_url=live_server.url)

    # when: the resident applies
    page.goto(live_server.url + reverse("licensing:type", args=["barber"]))
    page.get_by_role("button", name="Empezar su solicitud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Acerca de usted")
    page.get_by_label("Dirección", exact=True).fill("12 Elm Street, Springfield")
    page.get_by_role("button", name="Guardar y continuar").click()
    expect(page.locator("main")).to_contain_text("Esta licencia no tiene más preguntas.")
    page.get_by_role("button", name="Guardar y continuar").click()

    # then: the document is "obligatorio", agreeing with "documento"
    expect(page.locator("main")).to_contain_text(
        "Comprobante de formación como barbero (obligatorio)"
    )
    take(page, screenshots, "es-license-documents.png")

    # when: they upload it, check their answers and pay on the test gateway
    proof = tmp_path / "formacion.pdf"
    proof.write_bytes(PDF_BYTES)
    page.locator("main input[type=file]").set_input_files(str(proof))
    page.get_by_role("button", name="Subir").click()
    page.get_by_role("link", name="Continuar para revisar sus respuestas").click()
    page.get_by_role("button", name="Continuar al pago").click()
    page.get_by_role("button", name=re.compile(r"^Pagar .*50")).click()
    page.get_by_label("Aprobar el pago").check()
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pago recibido")

    # then: the application is "Recibida", agreeing with "solicitud"
    application = Application.objects.select_related("case").get()
    page.goto(live_server.url + application.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Recibida")
    take(page, screenshots, "es-license-application.png")

    # and their applications page has none left unsent: "Ninguna", like "solicitudes"
    page.goto(live_server.url + reverse("licensing:mine"))
    unsent = page.locator("h2", has_text="Solicitudes aún sin enviar").locator(
        "xpath=following-sibling::p[1]"
    )
    expect(unsent).to_have_text("Ninguna.")

    # and the invoice is "Pagada" with a "Fecha de pago", its payment "Completado"
    invoice = Invoice.objects.get()
    page.goto(live_server.url + reverse("payments:invoice", args=[invoice.reference]))
    expect(page.locator("main")).to_contain_text("Pagada")
    expect(page.locator("main")).to_contain_text("Fecha de pago")
    expect(page.locator("main")).to_contain_text("Completado")


def test_signing_up_in_spanish_says_usted_from_the_form_to_the_account(
    spanish_page: Page, live_server, mailoutbox, screenshots
):
    # given
    page = spanish_page
    page.goto(live_server.url + reverse("account_signup"))
    expect(page.locator("h1")).to_have_text("Crear una cuenta")

    # when: a new resident signs up
    page.fill("input[name=full_name]", "María López")
    page.fill("input[name=email]", "maria.lopez@example.org")
    page.fill("input[name=password1]", "a-long-and-unusual-passphrase-42")
    page.fill("input[name=password2]", "a-long-and-unusual-passphrase-42")
    page.locator("main form:has([name=password2]) [type=submit]").first.click()

    # then: the "we sent you an e-mail" page and the e-mail itself say "usted"
    expect(page).to_have_url(live_server.url + reverse("account_email_verification_sent"))
    expect(page.locator("h1")).to_have_text("Confirme su correo electrónico")
    expect(page.locator("main")).to_contain_text(
        "Le enviamos un correo electrónico para confirmar su dirección."
    )
    assert not INFORMAL.search(page.locator("main").inner_text())
    take(page, screenshots, "es-sign-up-sent.png")
    (message,) = mailoutbox
    assert message.subject == "Confirme su correo electrónico"
    assert "Para confirmar que es correcto, vaya a" in message.body
    assert not INFORMAL.search(message.body), message.body

    # when: they open the link and confirm
    page.goto(live_server.url + urlsplit(CONFIRM_LINK.search(message.body).group(0)).path)
    expect(page.locator("h1")).to_have_text("Confirmar el correo electrónico")
    assert not INFORMAL.search(page.locator("main").inner_text())
    page.locator("main form [type=submit]").first.click()

    # then: signed in, on their account, told so in "usted"
    expect(page).to_have_url(live_server.url + reverse("portal:dashboard"))
    expect(page.locator("h1")).to_have_text("Mi cuenta")
    expect(page.locator("body")).to_contain_text("Confirmó maria.lopez@example.org.")
