import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.exceptions import DocumentRejected, TransitionNotAllowed
from cases.models import CaseEvent, CaseMessage
from cases.questions.models import Question
from cases.service_levels import business_days_add
from cases.workflow import get_workflow
from licensing import services
from licensing.exceptions import (
    AlreadyPaid,
    ApplicationIncomplete,
    ApplicationNotEditable,
    DecisionForbidden,
)
from licensing.models import License
from licensing.workflow import KIND
from payments.models import Invoice, InvoiceStatus
from payments.services import payment_record_counter
from tests.cases.factories import EXE_BYTES
from tests.licensing.factories import (
    ApplicationFactory,
    LicenseTypeFactory,
    QuestionFactory,
    RequiredDocumentFactory,
)


def _about(application, actor):
    return services.application_save_about(
        application=application,
        actor=actor,
        holder_name="Robin Barber",
        email="robin@example.org",
        address="1 Main St",
    )


def _paid(application, clerk, pdf):
    """Fill in, pay at the counter and return the sent application."""
    actor = application.applicant
    _about(application, actor)
    for requirement in application.license_type.documents.all():
        services.application_add_document(
            application=application, actor=actor, requirement=requirement, upload=pdf()
        )
    invoice = services.application_request_payment(application=application, actor=actor)
    payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=clerk
    )
    application.refresh_from_db()
    application.case.refresh_from_db()
    return application


# --- conditional questions and answer types ------------------------------------------------


@pytest.fixture
def licensed_elsewhere(db):
    license_type = LicenseTypeFactory()
    parent = QuestionFactory(license_type=license_type, code="elsewhere", kind=Question.Kind.YES_NO)
    child = QuestionFactory(
        license_type=license_type,
        code="state",
        condition_question=parent,
        condition_value="yes",
    )
    return license_type, parent, child


def test_a_conditional_question_is_required_only_when_its_condition_holds(
    licensed_elsewhere, resident
):
    # given
    license_type, _, _ = licensed_elsewhere
    application = ApplicationFactory(license_type=license_type, applicant=resident)

    # when
    with pytest.raises(ApplicationIncomplete) as refused:
        services.application_save_answers(
            application=application, actor=resident, answers={"elsewhere": "yes"}
        )
    services.application_save_answers(
        application=application, actor=resident, answers={"elsewhere": "no", "state": "Ohio"}
    )

    # then
    assert refused.value.message_dict == {"state": ["Answer this question."]}
    application.refresh_from_db()
    # The answer to a question that is not asked is not kept.
    assert application.answers == {"elsewhere": "no"}


@pytest.mark.parametrize(
    ("kind", "choices", "value", "error"),
    [
        (Question.Kind.NUMBER, "", "twelve", "Enter a number."),
        (Question.Kind.DATE, "", "2026-02-30", "Enter a real date."),
        (Question.Kind.YES_NO, "", "maybe", "Choose yes or no."),
        (Question.Kind.SINGLE_CHOICE, "Red\nBlue", "Green", "Choose one of the options."),
        (Question.Kind.MULTIPLE_CHOICE, "Red\nBlue", ["Red", "Green"], "Choose from the options."),
        (Question.Kind.TEXT, "", 42, "Enter text."),
    ],
)
def test_an_answer_of_the_wrong_type_is_refused_and_nothing_is_saved(
    resident, kind, choices, value, error
):
    # given
    question = QuestionFactory(kind=kind, choices=choices, code="answer")
    application = ApplicationFactory(license_type=question.owner, applicant=resident)

    # when
    with pytest.raises(ApplicationIncomplete) as refused:
        services.application_save_answers(
            application=application, actor=resident, answers={"answer": value}
        )

    # then
    assert refused.value.message_dict == {"answer": [error]}
    application.refresh_from_db()
    assert application.answers == {}
    assert application.step == "about"


def test_answers_of_every_type_are_stored_in_their_json_form(resident):
    # given
    license_type = LicenseTypeFactory()
    for code, kind, choices in [
        ("n", Question.Kind.NUMBER, ""),
        ("d", Question.Kind.DATE, ""),
        ("m", Question.Kind.MULTIPLE_CHOICE, "A\nB\nC"),
        ("s", Question.Kind.SINGLE_CHOICE, "A\nB"),
    ]:
        QuestionFactory(license_type=license_type, code=code, kind=kind, choices=choices)
    application = ApplicationFactory(license_type=license_type, applicant=resident)

    # when
    services.application_save_answers(
        application=application,
        actor=resident,
        answers={"n": "12.50", "d": "2026-03-01", "m": ["A", "C"], "s": "B", "x": "dropped"},
    )

    # then
    application.refresh_from_db()
    assert application.answers == {"n": "12.5", "d": "2026-03-01", "m": ["A", "C"], "s": "B"}
    assert application.step == "documents"


def test_a_file_question_attaches_the_file_to_the_case(resident, pdf):
    # given
    question = QuestionFactory(kind=Question.Kind.FILE, code="proof")
    application = ApplicationFactory(license_type=question.owner, applicant=resident)

    # when
    services.application_save_answers(
        application=application, actor=resident, answers={}, uploads={"proof": pdf("a.pdf")}
    )

    # then
    application.refresh_from_db()
    document = application.case.documents.get()
    assert application.answers == {"proof": {"document_id": document.pk, "name": "a.pdf"}}


def test_a_file_that_is_not_an_accepted_type_is_refused(resident):
    # given
    question = QuestionFactory(kind=Question.Kind.FILE, code="proof")
    application = ApplicationFactory(license_type=question.owner, applicant=resident)
    upload = SimpleUploadedFile("proof.pdf", EXE_BYTES)

    # when
    with pytest.raises(DocumentRejected):
        services.application_save_answers(
            application=application, actor=resident, answers={}, uploads={"proof": upload}
        )

    # then
    assert application.case.documents.count() == 0


def test_a_file_too_big_is_refused(resident, settings):
    # given
    settings.DOCUMENT_MAX_BYTES = 10
    requirement = RequiredDocumentFactory()
    application = ApplicationFactory(license_type=requirement.owner, applicant=resident)
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * 100)

    # when
    with pytest.raises(DocumentRejected) as refused:
        services.application_add_document(
            application=application, actor=resident, requirement=requirement, upload=upload
        )

    # then
    assert refused.value.code == "too_large"
    assert application.supplied_documents.count() == 0


def test_someone_else_cannot_change_a_draft(resident, other_resident):
    # given
    application = ApplicationFactory(applicant=resident)

    # when / then
    with pytest.raises(ApplicationNotEditable):
        _about(application, other_resident)


# --- payment ------------------------------------------------------------------------------


def test_a_missing_required_document_stops_payment(resident):
    # given
    requirement = RequiredDocumentFactory(name="Proof of training")
    application = ApplicationFactory(license_type=requirement.owner, applicant=resident)
    _about(application, resident)

    # when
    with pytest.raises(ApplicationIncomplete) as refused:
        services.application_request_payment(application=application, actor=resident)

    # then
    assert refused.value.messages == ["Upload: Proof of training."]
    assert Invoice.objects.count() == 0


def test_asking_to_pay_twice_gives_the_same_invoice(resident):
    # given
    application = ApplicationFactory(applicant=resident)
    _about(application, resident)

    # when
    first = services.application_request_payment(application=application, actor=resident)
    second = services.application_request_payment(application=application, actor=resident)

    # then
    assert first.pk == second.pk
    assert first.total_cents == 5000
    assert first.purpose == "licensing.application"


def test_payment_sends_the_application_and_a_second_payment_is_refused(resident, clerk, pdf):
    # given
    RequiredDocumentFactory()
    application = ApplicationFactory(applicant=resident)

    # when
    application = _paid(application, clerk, pdf)

    # then
    assert application.paid_at is not None
    assert application.case.status == "submitted"
    assert application.case.submitted_at is not None
    assert application.invoice.status == InvoiceStatus.PAID
    assert list(
        application.case.events.exclude(audience="staff").values_list("kind", flat=True)
    ) == [
        CaseEvent.Kind.PAYMENT,
        CaseEvent.Kind.SUBMITTED,
    ]
    assert application.case.events.get(kind="payment").payload == {"fee": "application"}
    with pytest.raises(AlreadyPaid):
        services.application_request_payment(application=application, actor=resident)
    # The receiver is idempotent: a repeated call changes nothing.
    again = services.application_mark_paid(application_id=application.pk)
    assert again.paid_at == application.paid_at


# --- the clerk's review -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "actors", "service_only"),
    [
        ("draft", "submitted", {"system"}, False),
        ("draft", "cancelled", {"applicant", "system"}, True),  # application_discard only
        ("submitted", "in_review", {"staff"}, False),
        ("in_review", "awaiting_info", {"staff"}, True),
        ("awaiting_info", "in_review", {"applicant", "system"}, False),
        ("in_review", "approved", {"staff"}, True),
        ("in_review", "denied", {"staff"}, True),
        ("submitted", "withdrawn", {"applicant"}, False),
    ],
)
def test_the_workflow_table(source, target, actors, service_only):
    # given
    workflow = get_workflow(KIND)

    # when
    move = workflow.find_transition(source, target)

    # then
    assert move is not None
    assert (set(move.actors), move.service_only) == (actors, service_only)


@pytest.mark.parametrize("final", ["approved", "denied", "withdrawn", "cancelled"])
def test_a_decided_application_goes_nowhere(final):
    assert get_workflow(KIND).transitions_from(final) == []


def test_approval_issues_a_license_for_the_types_term(resident, clerk, pdf, monkeypatch):
    # given
    application = _paid(ApplicationFactory(applicant=resident), clerk, pdf)
    monkeypatch.setattr(
        "licensing.services.applications.timezone.localdate", lambda: datetime.date(2026, 1, 31)
    )

    # when
    license = services.application_approve(application=application, actor=clerk)

    # then
    application.case.refresh_from_db()
    assert application.case.status == "approved"
    assert license.holder == resident
    assert license.holder_name == "Robin Barber"
    assert license.status == License.Status.ACTIVE
    assert license.issued_on == datetime.date(2026, 1, 31)
    assert license.expires_on == datetime.date(2027, 1, 31)
    prefix = application.license_type.number_prefix
    assert license.number.startswith(f"{prefix}-")


def test_request_more_information_messages_the_resident_and_they_send_it_back(resident, clerk, pdf):
    # given
    application = _paid(ApplicationFactory(applicant=resident), clerk, pdf)

    # when
    services.application_request_info(
        application=application, actor=clerk, message="Please upload a clearer photo ID."
    )

    # then
    application.case.refresh_from_db()
    assert application.case.status == "awaiting_info"
    message = CaseMessage.objects.get(case=application.case)
    assert message.body == "Please upload a clearer photo ID."
    assert message.from_staff is True

    # when the resident answers and sends it back
    from cases.services import transition

    transition(case=application.case, to_status="in_review", actor=resident)

    # then the clerk can decide
    license = services.application_approve(application=application, actor=clerk)
    assert license.application_id == application.pk


def test_denial_needs_a_reason_the_resident_sees(resident, clerk, pdf):
    # given
    application = _paid(ApplicationFactory(applicant=resident), clerk, pdf)

    # when
    with pytest.raises(ValueError):
        services.application_deny(application=application, actor=clerk, reason=" ")
    services.application_deny(application=application, actor=clerk, reason="No insurance.")

    # then
    application.refresh_from_db()
    application.case.refresh_from_db()
    assert application.case.status == "denied"
    assert application.decision_reason == "No insurance."
    event = application.case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).get()
    assert (event.audience, event.body) == ("participants", "No insurance.")
    assert License.objects.count() == 0


def test_residents_and_the_applicant_cannot_decide(resident, other_resident, clerk, pdf):
    # given
    application = _paid(ApplicationFactory(applicant=resident), clerk, pdf)

    # when / then
    with pytest.raises(DecisionForbidden):
        services.application_approve(application=application, actor=other_resident)
    with pytest.raises(DecisionForbidden):
        services.application_approve(application=application, actor=resident)
    application.case.refresh_from_db()
    assert application.case.status == "submitted"


def test_an_unpaid_draft_cannot_be_approved(resident, clerk):
    # given
    application = ApplicationFactory(applicant=resident)

    # when / then
    with pytest.raises(TransitionNotAllowed):
        services.application_approve(application=application, actor=clerk)
    assert License.objects.count() == 0


def test_a_decided_application_cannot_be_approved_twice(resident, clerk, pdf):
    # given
    application = _paid(ApplicationFactory(applicant=resident), clerk, pdf)
    services.application_approve(application=application, actor=clerk)

    # when / then
    with pytest.raises(TransitionNotAllowed):
        services.application_approve(application=application, actor=clerk)
    assert License.objects.count() == 1


def test_discarding_a_draft_voids_its_invoice(resident):
    # given
    application = ApplicationFactory(applicant=resident)
    _about(application, resident)
    invoice = services.application_request_payment(application=application, actor=resident)

    # when
    services.application_discard(application=application, actor=resident)

    # then
    invoice.refresh_from_db()
    application.case.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert application.case.status == "cancelled"


@pytest.mark.parametrize("target_days", [10, 45])
def test_the_case_is_due_by_the_types_review_target_that_its_page_promises(
    client, resident, clerk, pdf, target_days
):
    # given
    license_type = LicenseTypeFactory(code="kennel", review_target_days=target_days)
    application = ApplicationFactory(applicant=resident, license_type=license_type)
    promise = client.get(license_type.get_absolute_url()).content.decode()
    assert f"We aim to decide within {target_days} business days" in promise

    # when
    application = _paid(application, clerk, pdf)

    # then
    case = application.case
    assert case.due_date == business_days_add(
        start=timezone.localdate(case.submitted_at), days=target_days
    )


def test_events_written_in_english_read_in_spanish(client, resident, clerk, pdf, settings):
    # given: the fee paid and the license issued while English is active (a webhook, a clerk
    # working in English)
    from django.utils import translation

    with translation.override("en"):
        application = _paid(ApplicationFactory(applicant=resident), clerk, pdf)
        license = services.application_approve(application=application, actor=clerk)

    # when: the resident reads their case in Spanish
    client.force_login(resident)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "es"})
    resident.preferred_language = "es"
    resident.save(update_fields=["preferred_language"])
    page = client.get(application.case.get_absolute_url()).content.decode()

    # then: the facts were stored, the words are rendered in the reader's language
    issued = application.case.events.get(kind="license_issued")
    assert issued.body == ""
    assert issued.payload == {"number": license.number, "expires_on": str(license.expires_on)}
    assert "Cargo de solicitud pagado." in page
    assert f"Licencia {license.number} emitida, válida hasta el" in page
    assert "Application fee paid." not in page
    assert "valid until" not in page
    with translation.override("en"):
        assert issued.text.startswith(f"License {license.number} issued, valid until ")


def test_the_clerk_who_decides_is_recorded_on_the_move(resident, clerk, pdf):
    # given
    application = _paid(ApplicationFactory(applicant=resident), clerk, pdf)

    # when
    services.application_approve(application=application, actor=clerk, reason="All in order")

    # then: the move is the clerk's, not the system's with a note naming them
    move = application.case.events.get(kind="status_changed", to_status="approved")
    assert (move.actor, move.body) == (clerk, "All in order")
    assert not application.case.events.filter(kind="note", body__contains="Approved by").exists()
