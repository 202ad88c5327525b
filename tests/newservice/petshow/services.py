from django.core.exceptions import ValidationError
from django.db import transaction

from cases.questions import rules
from cases.questions.selectors import questions_of
from cases.services import case_create, transition
from payments.services import LineItem, invoice_create
from tests.newservice.petshow.models import Entry, ShowClass
from tests.newservice.petshow.workflow import ENTERED


@transaction.atomic
def entry_apply(*, show_class: ShowClass, applicant, pet_name: str, answers: dict) -> Entry:
    """Enter a pet: the answers are checked against the class's questions (ValidationError),
    the case opens waiting for its fee, and the fee is invoiced."""
    cleaned, errors = rules.answers_clean(questions_of(owner=show_class), answers)
    if errors:
        raise ValidationError(errors)
    case = case_create(kind="pet_show_entry", applicant=applicant)
    entry = Entry.objects.create(
        case=case, show_class=show_class, pet_name=pet_name, answers=cleaned
    )
    invoice_create(
        purpose="petshow.entry_fee",
        description=f"Entry of {pet_name}",
        lines=[LineItem("Entry fee", show_class.fee_cents)],
        payer=applicant,
        subject=entry,
    )
    return entry


@transaction.atomic
def entry_fee_paid(*, entry_id: int) -> None:
    entry = Entry.objects.select_related("case").select_for_update().get(pk=entry_id)
    if entry.case.status != ENTERED:
        transition(case=entry.case, to_status=ENTERED, actor=None)
