"""An administrator who has never seen the admin sets up a new license type in one pass and
publishes it; a resident finds it at once and applies up to payment.

The administrator signs in with two-factor authentication, creates "Mobile pet grooming"
from an empty form (fees typed in dollars, two documents, five questions, one of them
conditional on a question added in the same pass, two renewal reminders), previews it in
Spanish, publishes it. A resident finds it by the site's service search in English and in
Spanish and applies up to payment of the right fee. The test counts the administrator's
form submissions (at most 4) and checks that no amount was stored off by a factor of 100.
A concern category goes the same way: a draft residents do not see, previewed in Spanish,
published, then found. axe-core checks each page."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.questions.models import Question
from concerns.models import ConcernCategory
from licensing.models import Application, LicenseType
from notifications.models import ReminderRule
from portal.celery import app as celery_app
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.pages import VIEWPORTS, axe_violations, choose_language, log_in_browser
from tests.cases.factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_gateway(settings, tmp_path):
    settings.PAYMENTS_GATEWAY = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def _row(page: Page, prefix: str, index: int, name: str):
    return page.locator(f"[name='{prefix}-{index}-{name}']")


QUESTIONS = "cases-question-owner_type-owner_id"
DOCUMENTS = "cases-documentrequirement-owner_type-owner_id"
REMINDERS = "renewal-reminders"


def test_an_administrator_sets_up_a_type_in_one_pass_and_a_resident_applies(
    page: Page, live_server, axe, browser, tmp_path
):
    # given: an administrator with two-factor authentication
    administrator = StaffFactory(is_superuser=True, full_name="Ada Admin")
    TOTP.activate(administrator, generate_totp_secret())
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in_browser(page, user=administrator, base_url=live_server.url)
    submissions = []
    page.on(
        "request",
        lambda request: (
            submissions.append(request.url)
            if request.method == "POST" and request.resource_type == "document"
            else None
        ),
    )

    # when: the type from an empty form, in one pass
    page.goto(live_server.url + reverse("admin:licensing_licensetype_add"))
    assert_accessible(axe, page)
    page.locator("#id_name").fill("Mobile pet grooming")
    page.locator("#id_name_es").fill("Peluquería móvil de mascotas")
    page.locator("#id_new_category").fill("Pet care")
    page.locator("#id_category_es").fill("Cuidado de mascotas")
    page.locator("#id_description").fill("Grooming pets in a van that comes to your home.")
    page.locator("#id_description_es").fill("Peluquería de mascotas en una camioneta.")
    page.locator("#id_keywords").fill("dog wash, groomer")
    page.locator("#id_keywords_es").fill("baño de perros")
    page.locator("#id_application_fee_cents").fill("75.00")
    page.locator("#id_renewal_fee_cents").fill("$60")
    page.locator("#id_late_fee_cents").fill("1,250.50")
    page.locator("#id_renewal_window_days").fill("60")
    page.locator("#id_grace_days").fill("30")

    documents = page.locator(f"#{DOCUMENTS}-group")
    for index, (name, name_es) in enumerate(
        [("Proof of insurance", "Prueba de seguro"), ("Vehicle inspection", "Inspección")]
    ):
        # The page has blank rows (for browsers without JavaScript); more are added.
        if not _row(page, DOCUMENTS, index, "name").count():
            documents.locator(".add-row a").click()
        _row(page, DOCUMENTS, index, "name").fill(name)
        _row(page, DOCUMENTS, index, "name_es").fill(name_es)

    questions = page.locator(f"#{QUESTIONS}-group")
    specs = [
        ("Do you groom in a vehicle?", "¿Trabaja en un vehículo?", "yes_no", ""),
        ("Vehicle license plate", "Matrícula del vehículo", "text", ""),
        ("Number of vans", "Número de camionetas", "number", ""),
        ("Animals you groom", "Animales que atiende", "multiple_choice", "Dogs\nCats"),
        ("Date your business started", "Fecha de inicio", "date", ""),
    ]
    for index, (label, label_es, kind, choices) in enumerate(specs):
        if not _row(page, QUESTIONS, index, "label").count():
            questions.locator(".add-row a").click()
        _row(page, QUESTIONS, index, "label").fill(label)
        _row(page, QUESTIONS, index, "label_es").fill(label_es)
        _row(page, QUESTIONS, index, "kind").select_option(kind)
        if choices:
            _row(page, QUESTIONS, index, "choices").fill(choices)
            _row(page, QUESTIONS, index, "choices_es").fill("Perros\nGatos")
        expect(_row(page, QUESTIONS, index, "required")).to_be_checked()
    _row(page, QUESTIONS, 2, "whole_number").check()
    _row(page, QUESTIONS, 2, "min_value").fill("1")
    _row(page, QUESTIONS, 4, "date_range").select_option("past")
    # Two renewal reminders, on the type's own page: 30 days before expiry on every channel,
    # 7 days before by e-mail and in the account only.
    _row(page, REMINDERS, 0, "days").fill("30")
    _row(page, REMINDERS, 1, "days").fill("7")
    page.locator(f"[name='{REMINDERS}-1-channels'][value='sms']").uncheck()
    # The condition names the new parent as typed, and one of its answers, before anything
    # is saved; the answers are suggested as the parent's kind says.
    parent = "“Do you groom in a vehicle?” (#1)"
    _row(page, QUESTIONS, 1, "condition_on").select_option(label=parent)
    expect(page.locator(f"#id_{QUESTIONS}-1-condition_is-answers option")).to_have_count(2)
    _row(page, QUESTIONS, 1, "condition_is").fill("Yes")
    page.get_by_role("button", name="Save", exact=True).click()

    # then: a draft, saved in one pass
    expect(page.locator(".messagelist")).to_contain_text("is saved as a draft")
    assert_accessible(axe, page)
    license_type = LicenseType.objects.get()
    assert not license_type.published
    plate = Question.objects.get(code="vehicle_license_plate")
    assert (plate.condition_question.code, plate.condition_value) == (
        "do_you_groom_in_a_vehicle",
        "yes",
    )
    reminders = ReminderRule.objects.filter(scope=[license_type.pk]).order_by("-days")
    assert [(rule.days, rule.channels) for rule in reminders] == [
        (30, ["email", "sms", "in_app"]),
        (7, ["email", "in_app"]),
    ]

    # when: the preview in Spanish
    page.get_by_role("link", name="in Spanish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Peluquería móvil de mascotas")
    expect(page.locator("main")).to_contain_text("¿Trabaja en un vehículo?")
    expect(page.locator("#preview-fees")).to_contain_text("75")
    assert_accessible(axe, page)
    page.go_back()

    # and it is published
    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator(".messagelist")).to_contain_text("is published")
    license_type.refresh_from_db()
    assert license_type.published
    admin_submissions = list(submissions)
    assert len(admin_submissions) <= 4, admin_submissions
    # No amount stored off by a factor of 100.
    assert (
        license_type.application_fee_cents,
        license_type.renewal_fee_cents,
        license_type.late_fee_cents,
    ) == (7500, 6000, 125050)

    # when: a resident finds it by the service search, in English then in Spanish
    context = browser.new_context(viewport=VIEWPORTS["mobile"])
    resident_page = context.new_page()
    resident = UserFactory(full_name="Robin Groomer", email="robin@example.org")
    log_in_browser(resident_page, user=resident, base_url=live_server.url)
    resident_page.goto(live_server.url + reverse("portal:service_search") + "?q=groomer")
    expect(resident_page.locator("main")).to_contain_text("Mobile pet grooming")
    assert_accessible(axe, resident_page)
    choose_language(resident_page, language="es", base_url=live_server.url)
    resident_page.goto(
        live_server.url + reverse("portal:service_search") + "?q=peluquería mascotas"
    )
    resident_page.get_by_role("link", name="Peluquería móvil de mascotas").click()
    assert_accessible(axe, resident_page)
    choose_language(resident_page, language="en", base_url=live_server.url)
    resident_page.reload()
    resident_page.get_by_role("button", name="Start your application").click()
    resident_page.get_by_label("Address", exact=True).fill("12 Elm Street, Springfield")
    resident_page.get_by_role("button", name="Save and continue").click()
    resident_page.locator("label[for=id_do_you_groom_in_a_vehicle_1]").click()
    resident_page.get_by_label("Number of vans").fill("2")
    resident_page.locator("label[for=id_animals_you_groom_0]").click()
    resident_page.get_by_label("Date your business started").fill("2020-05-01")
    resident_page.get_by_role("button", name="Save and continue").click()
    for name in ("Proof of insurance", "Vehicle inspection"):
        proof = tmp_path / f"{name}.pdf"
        proof.write_bytes(PDF_BYTES)
        resident_page.get_by_label("Which document is this?").select_option(label=name)
        resident_page.get_by_label("File").set_input_files(str(proof))
        resident_page.get_by_role("button", name="Upload").click()
        expect(resident_page.locator(".usa-alert--success")).to_contain_text(name)
    resident_page.get_by_role("link", name="Continue to check your answers").click()
    assert_accessible(axe, resident_page)
    resident_page.get_by_role("button", name="Continue to payment").click()

    # then: the right fee, in dollars
    expect(resident_page.get_by_role("button", name="Pay $75.00")).to_be_visible()
    assert_accessible(axe, resident_page)
    application = Application.objects.get()
    assert application.fee_cents == 7500
    assert application.invoice.total_cents == 7500
    context.close()


CATEGORY_QUESTIONS = "cases-question-owner_type-owner_id"


def test_an_administrator_sets_up_a_concern_category_previews_it_and_publishes_it(
    page: Page, live_server, axe, browser
):
    # given: an administrator with two-factor authentication
    administrator = StaffFactory(is_superuser=True, full_name="Ada Admin")
    TOTP.activate(administrator, generate_totp_secret())
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in_browser(page, user=administrator, base_url=live_server.url)

    # when: the category from an empty form, with a question conditional on a new one
    page.goto(live_server.url + reverse("admin:concerns_concerncategory_add"))
    page.locator("#id_name").fill("Stray dog")
    page.locator("#id_name_es").fill("Perro callejero")
    page.locator("#id_new_group").fill("Animals")
    page.locator("#id_description").fill("A dog without its owner.")
    page.locator("#id_description_es").fill("Un perro sin su dueño.")
    _row(page, CATEGORY_QUESTIONS, 0, "label").fill("Is the dog loose?")
    _row(page, CATEGORY_QUESTIONS, 0, "label_es").fill("¿El perro está suelto?")
    _row(page, CATEGORY_QUESTIONS, 0, "kind").select_option("yes_no")
    _row(page, CATEGORY_QUESTIONS, 1, "label").fill("Which way did it go?")
    _row(page, CATEGORY_QUESTIONS, 1, "kind").select_option("text")
    _row(page, CATEGORY_QUESTIONS, 1, "condition_on").select_option(
        label="“Is the dog loose?” (#1)"
    )
    _row(page, CATEGORY_QUESTIONS, 1, "condition_is").fill("Yes")
    page.get_by_role("button", name="Save", exact=True).click()

    # then: a draft, which residents do not see
    expect(page.locator(".messagelist")).to_contain_text("is saved as a draft")
    category = ConcernCategory.objects.get()
    assert not category.published
    context = browser.new_context(viewport=VIEWPORTS["mobile"])
    resident_page = context.new_page()
    resident_page.goto(live_server.url + reverse("concerns:report_start"))
    expect(resident_page.locator("main")).not_to_contain_text("Stray dog")

    # when: the preview in Spanish, then publishing
    page.get_by_role("link", name="in Spanish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Perro callejero")
    expect(page.locator("main")).to_contain_text("¿El perro está suelto?")
    assert_accessible(axe, page)
    page.go_back()
    page.get_by_role("button", name="Save and publish").click()

    # then: residents find it and its form asks the question
    expect(page.locator(".messagelist")).to_contain_text("is published")
    resident_page.reload()
    resident_page.get_by_role("link", name="Stray dog").click()
    expect(resident_page.get_by_role("heading", level=1)).to_have_text("Where is the problem?")
    context.close()
