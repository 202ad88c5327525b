import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.questions.models import Question
from licensing import services
from licensing.models import Application, License
from payments.services import payment_record_counter
from tests.cases.factories import EXE_BYTES, PDF_BYTES
from tests.licensing.factories import (
    ApplicationFactory,
    LicenseTypeFactory,
    QuestionFactory,
    RequiredDocumentFactory,
)
from tests.payments.factories import InvoiceFactory


@pytest.fixture
def barber(db):
    license_type = LicenseTypeFactory(code="barber", name="Barber license")
    parent = QuestionFactory(
        license_type=license_type, code="elsewhere", label="Licensed elsewhere?", kind="yes_no"
    )
    QuestionFactory(
        license_type=license_type,
        code="state",
        label="Which state?",
        condition_question=parent,
        condition_value="yes",
    )
    RequiredDocumentFactory(license_type=license_type, name="Photo ID")
    return license_type


def test_the_types_page_lists_and_searches_types(client, barber):
    # given
    LicenseTypeFactory(name="Dog license")

    # when
    everything = client.get(reverse("licensing:types"))
    searched = client.get(reverse("licensing:types"), {"q": "barber"})

    # then
    assert everything.status_code == 200
    assert [t.name for ts in everything.context["groups"].values() for t in ts] == [
        "Barber license",
        "Dog license",
    ]
    assert [t.name for ts in searched.context["groups"].values() for t in ts] == ["Barber license"]


def test_starting_needs_an_account(client, barber):
    # when
    response = client.post(reverse("licensing:start", args=["barber"]))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Application.objects.count() == 0


def test_a_resident_applies_page_by_page(client, resident, clerk, barber):
    # given
    client.force_login(resident)

    # when: start
    response = client.post(reverse("licensing:start", args=["barber"]))
    application = Application.objects.get()
    reference = application.case.reference
    assert response.url == reverse("licensing:apply_about", args=[reference])

    # about you
    response = client.post(
        reverse("licensing:apply_about", args=[reference]),
        {"holder_name": "Robin Barber", "email": "robin@example.org", "address": "1 Main St"},
    )
    assert response.url == reverse("licensing:apply_questions", args=[reference])

    # questions: the conditional one is required once its condition holds
    url = reverse("licensing:apply_questions", args=[reference])
    refused = client.post(url, {"elsewhere": "yes"})
    assert refused.status_code == 400
    assert refused.context["form"].errors == {"state": ["Answer this question."]}
    response = client.post(url, {"elsewhere": "yes", "state": "Ohio"})
    assert response.url == reverse("licensing:apply_documents", args=[reference])

    # resuming opens where the resident stopped
    resumed = client.get(reverse("licensing:resume", args=[reference]))
    assert resumed.url == reverse("licensing:apply_documents", args=[reference])

    # documents: a program renamed .pdf is refused, a PDF accepted
    url = reverse("licensing:apply_documents", args=[reference])
    requirement = barber.documents.get()
    bad = client.post(
        url, {"requirement": requirement.pk, "file": SimpleUploadedFile("id.pdf", EXE_BYTES)}
    )
    assert bad.status_code == 400
    assert bad.context["form"].errors == {
        "file": ["The selected file must be a PDF, JPG, PNG, HEIC or WebP."]
    }
    good = client.post(
        url, {"requirement": requirement.pk, "file": SimpleUploadedFile("id.pdf", PDF_BYTES)}
    )
    assert good.status_code == 302

    # check your answers shows everything; paying goes to the invoice
    check = client.get(reverse("licensing:apply_check", args=[reference]))
    assert check.status_code == 200
    assert check.context["problems"] == []
    assert check.context["answers"] == [("Licensed elsewhere?", "Yes"), ("Which state?", "Ohio")]
    response = client.post(reverse("licensing:apply_check", args=[reference]))
    application.refresh_from_db()
    assert response.url == reverse("payments:invoice", args=[application.invoice.reference])

    # then: once paid, the confirmation page gives the reference
    payment_record_counter(
        invoice=application.invoice, method="cash", amount_cents=5000, actor=clerk
    )
    page = client.get(reverse("licensing:application", args=[reference]))
    assert page.status_code == 200
    assert "Application sent" in page.content.decode()
    # and the draft pages now lead to it
    assert client.get(url).url == reverse("licensing:application", args=[reference])


def test_check_your_answers_lists_what_is_missing(client, resident, barber):
    # given
    application = ApplicationFactory(license_type=barber, applicant=resident)
    client.force_login(resident)

    # when
    response = client.post(reverse("licensing:apply_check", args=[application.case.reference]))

    # then
    assert response.status_code == 400
    assert response.context["problems"] == [
        "Answer every question that applies.",
        "Upload: Photo ID.",
    ]
    application.refresh_from_db()
    assert application.invoice is None


def test_another_resident_cannot_open_an_application(client, resident, other_resident, barber):
    # given
    application = ApplicationFactory(license_type=barber, applicant=resident)
    client.force_login(other_resident)

    # when
    response = client.get(reverse("licensing:apply_about", args=[application.case.reference]))
    detail = client.get(reverse("licensing:application", args=[application.case.reference]))

    # then
    assert response.status_code == 404
    assert detail.status_code == 404


def test_the_lookup_finds_licenses_without_contact_details(client, resident, clerk, barber):
    # given
    application = ApplicationFactory(license_type=barber, applicant=resident)
    services.application_save_about(
        application=application,
        actor=resident,
        holder_name="Robin Barber",
        email="robin@example.org",
        address="1 Main St",
    )
    services.application_save_answers(
        application=application, actor=resident, answers={"elsewhere": "no"}
    )
    services.application_add_document(
        application=application,
        actor=resident,
        requirement=barber.documents.get(),
        upload=SimpleUploadedFile("id.pdf", PDF_BYTES),
    )
    invoice = services.application_request_payment(application=application, actor=resident)
    payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=clerk)
    license = services.application_approve(application=application, actor=clerk)

    # when
    response = client.get(reverse("licensing:lookup"), {"q": "robin"})

    # then
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [license]
    body = response.content.decode()
    assert license.number in body
    assert "robin@example.org" not in body
    assert "1 Main St" not in body


def test_the_lookup_is_rate_limited(client, settings, db):
    # given
    settings.LICENSING_LOOKUP_PER_MINUTE = 2

    # when
    statuses = [client.get(reverse("licensing:lookup"), {"q": "x"}).status_code for _ in range(3)]

    # then
    assert statuses == [200, 200, 429]


def test_a_clerk_decides_in_the_back_office(client, resident, licensing_clerk, barber, pdf):
    # given
    application = ApplicationFactory(license_type=barber, applicant=resident)
    services.application_save_about(
        application=application, actor=resident, holder_name="R", email="r@example.org"
    )
    services.application_save_answers(
        application=application, actor=resident, answers={"elsewhere": "no"}
    )
    services.application_add_document(
        application=application, actor=resident, requirement=barber.documents.get(), upload=pdf()
    )
    invoice = services.application_request_payment(application=application, actor=resident)
    payment_record_counter(invoice=invoice, method="cash", amount_cents=5000, actor=licensing_clerk)
    client.force_login(licensing_clerk)
    url = reverse("admin:licensing_application_decide", args=[application.pk])

    # when
    page = client.get(reverse("admin:licensing_application_change", args=[application.pk]))
    refused = client.post(url, {"decision": "deny", "message": ""})
    approved = client.post(url, {"decision": "approve", "message": ""})

    # then
    assert page.status_code == 200
    assert page.context["answers"] == [("Licensed elsewhere?", "No")]
    assert refused.status_code == 400
    assert approved.status_code == 302
    assert License.objects.get().application == application


def test_questions_of_every_kind_render_through_the_pack(client, resident):
    # given
    license_type = LicenseTypeFactory()
    for kind in Question.Kind.values:
        QuestionFactory(
            license_type=license_type,
            code=kind,
            kind=kind,
            choices="A\nB",
            required=kind != Question.Kind.INFO,
        )
    application = ApplicationFactory(license_type=license_type, applicant=resident)
    client.force_login(resident)

    # when
    response = client.get(reverse("licensing:apply_questions", args=[application.case.reference]))

    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="date"' in body
    assert 'type="file"' in body
    assert 'type="checkbox"' in body
    assert 'class="usa-radio__input' in body or "usa-radio" in body


def _awaiting_payment(application, resident, requirement):
    services.application_save_about(
        application=application, actor=resident, holder_name="Robin Barber", email="r@example.org"
    )
    services.application_save_answers(
        application=application, actor=resident, answers={"elsewhere": "no"}
    )
    services.application_add_document(
        application=application,
        actor=resident,
        requirement=requirement,
        upload=SimpleUploadedFile("id.pdf", PDF_BYTES),
    )
    return services.application_request_payment(application=application, actor=resident)


def test_a_change_that_crosses_a_new_invoice_keeps_what_was_typed(
    client, resident, barber, invoice_replaced_midway
):
    # given: a draft waiting for its fee, whose invoice another tab replaces as this one saves
    application = ApplicationFactory(license_type=barber, applicant=resident)
    _awaiting_payment(application, resident, barber.documents.get())
    invoice_replaced_midway(application, InvoiceFactory(payer=resident))
    client.force_login(resident)

    # when
    response = client.post(
        reverse("licensing:apply_about", args=[application.case.reference]),
        {"holder_name": "Robin Q. Barber", "email": "robin@example.org", "address": "1 Main St"},
    )

    # then: asked to try again, with every value kept, and nothing saved
    body = response.content.decode()
    assert response.status_code == 400
    assert "This request changed while you were working on it. Please try again." in body
    assert 'value="Robin Q. Barber"' in body
    application.refresh_from_db()
    assert application.holder_name == "Robin Barber"


def test_a_discard_that_crosses_a_new_invoice_is_refused_with_a_message(
    client, resident, barber, invoice_replaced_midway
):
    # given
    application = ApplicationFactory(license_type=barber, applicant=resident)
    invoice = _awaiting_payment(application, resident, barber.documents.get())
    invoice_replaced_midway(application, InvoiceFactory(payer=resident))
    client.force_login(resident)

    # when
    response = client.post(
        reverse("licensing:discard", args=[application.case.reference]), follow=True
    )

    # then
    assert response.redirect_chain[0][0] == application.get_absolute_url()
    assert "This request changed while you were working on it." in response.content.decode()
    application.case.refresh_from_db()
    invoice.refresh_from_db()
    assert (application.case.status, invoice.status) == ("draft", "open")


INVISIBLE = "Remove the invisible formatting characters from this answer."


def test_names_and_answers_with_invisible_formatting_characters_are_refused_and_kept(
    client, resident, barber
):
    # given: a right-to-left override would print the name reversed on the certificate
    client.force_login(resident)
    client.post(reverse("licensing:start", args=["barber"]))
    reference = Application.objects.get().case.reference

    # when
    about = client.post(
        reverse("licensing:apply_about", args=[reference]),
        {
            "holder_name": "Robin \u202erebraB",
            "business_name": "Cuts\u2066",
            "email": "robin@example.org",
            "address": "1 Main St",
        },
    )
    client.post(
        reverse("licensing:apply_about", args=[reference]),
        {"holder_name": "Robin Barber", "email": "robin@example.org", "address": "1 Main St"},
    )
    questions = client.post(
        reverse("licensing:apply_questions", args=[reference]),
        {"elsewhere": "yes", "state": "Oh\u200bio"},
    )

    # then
    assert about.status_code == 400
    assert about.context["form"].errors == {
        "holder_name": [INVISIBLE],
        "business_name": [INVISIBLE],
    }
    assert 'value="Robin \u202erebraB"' in about.text
    assert questions.status_code == 400
    assert questions.context["form"].errors == {"state": [INVISIBLE]}
    application = Application.objects.get()
    assert (application.holder_name, application.answers.get("state")) == ("Robin Barber", None)
