"""The pet show, end to end, on the shared engine (run by ../test_adding_a_service.py)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cases.exceptions import TransitionRefused
from cases.models import Case
from cases.questions.models import Question, QuestionKind
from cases.questions.rules import question_label
from cases.questions.selectors import questions_of
from cases.services import transition
from notifications.models import Notification, ReminderRule
from notifications.services import reminder_rule_run
from payments.models import Invoice, InvoiceStatus, PaymentMethod
from payments.services import payment_record_counter
from tests.accounts.factories import StaffFactory, UserFactory
from tests.newservice.petshow.models import ShowClass
from tests.newservice.petshow.services import entry_apply
from tests.newservice.petshow.workflow import ENTERED, FEE_DUE, JUDGED

pytestmark = pytest.mark.django_db


@pytest.fixture
def show_class():
    show_class = ShowClass.objects.create(
        name="Best rescue dog",
        name_es="Mejor perro rescatado",
        fee_cents=1500,
        show_day=timezone.localdate() + datetime.timedelta(days=10),
    )
    for order, (code, label, label_es, kind) in enumerate(
        [
            ("breed", "Breed", "Raza", QuestionKind.TEXT),
            (
                "vaccinated",
                "Is your dog vaccinated?",
                "¿Está vacunado?",
                QuestionKind.YES_NO,
            ),
        ]
    ):
        Question.objects.create(
            owner=show_class, code=code, label=label, label_es=label_es, kind=kind, order=order
        )
    return show_class


def test_an_entry_goes_from_form_to_fee_to_show_day(show_class):
    owner = UserFactory(email="owner@example.org")
    cashier = StaffFactory(roles=["cashier"])
    judge = StaffFactory(roles=["clerk"])

    # The form is the class's questions, in the reader's language, checked by the engine.
    with translation.override("es"):
        assert [question_label(q) for q in questions_of(owner=show_class)] == [
            "Raza",
            "¿Está vacunado?",
        ]
    with pytest.raises(ValidationError) as refused:
        entry_apply(show_class=show_class, applicant=owner, pet_name="Rex", answers={})
    assert set(refused.value.message_dict) == {"breed", "vaccinated"}

    entry = entry_apply(
        show_class=show_class,
        applicant=owner,
        pet_name="Rex",
        answers={"breed": "Beagle", "vaccinated": "yes"},
    )

    # Its own statuses: the case waits for its fee, and the database refuses any status
    # the workflow does not declare.
    case = entry.case
    assert case.reference.startswith("PET-")
    assert case.status == FEE_DUE
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="approved")

    # An invoice; paying it moves the case through the payments signal.
    invoice = Invoice.objects.get(purpose="petshow.entry_fee", subject_id=entry.pk)
    assert (invoice.total_cents, invoice.status) == (1500, InvoiceStatus.OPEN)
    payment_record_counter(
        invoice=invoice, method=PaymentMethod.CASH, amount_cents=1500, actor=cashier
    )
    case.refresh_from_db()
    assert case.status == ENTERED

    # A guard: no judging before the show day.
    with pytest.raises(TransitionRefused):
        transition(case=case, to_status=JUDGED, actor=judge)

    # A reminder rule, as data: three days before the show, once.
    rule = ReminderRule.objects.create(
        name="Show day",
        source="petshow.show_day",
        days=3,
        channels=["email"],
        template_key="petshow/show_day",
    )
    three_days_before = show_class.show_day - datetime.timedelta(days=3)
    assert reminder_rule_run(rule=rule, today=three_days_before).emails == 1
    assert reminder_rule_run(rule=rule, today=three_days_before).emails == 0
    reminder = Notification.objects.get(template_key="petshow/show_day")
    assert reminder.to_address == "owner@example.org"

    # On the show day the judge may move it, and the move is recorded as theirs.
    ShowClass.objects.filter(pk=show_class.pk).update(show_day=timezone.localdate())
    case.refresh_from_db()
    event = transition(case=case, to_status=JUDGED, actor=judge)
    assert event.actor == judge
