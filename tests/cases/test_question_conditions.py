"""Conditions against the parent's actual choices (cases.questions.conditions), and the
number and date options of questions (cases.questions.rules)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.questions import rules
from cases.questions.conditions import (
    Condition,
    condition_answer,
    condition_choices,
    condition_refusal,
    conditions_refusals,
)
from cases.questions.models import Question


def _question(label="Question", kind="text", choices="", for_renewal=False):
    return Question(label=label, kind=kind, choices=choices, for_renewal=for_renewal)


VEHICLE = _question("Do you groom in a vehicle?", kind="yes_no")
SIZE = _question("Size of pets", kind="single_choice", choices="small | Small\nlarge | Large")
SERVICES = _question("Services", kind="multiple_choice", choices="Bath\nClip")


@pytest.mark.parametrize(
    ("parent", "answers"),
    [
        (VEHICLE, [("yes", "Yes"), ("no", "No")]),
        (SIZE, [("small", "Small"), ("large", "Large")]),
        (SERVICES, [("Bath", "Bath"), ("Clip", "Clip")]),
        (_question(kind="text"), []),
        (_question(kind="number"), []),
        (_question(kind="date"), []),
        (_question(kind="file"), []),
        (_question(kind="info"), []),
    ],
)
def test_only_yes_no_and_choice_questions_offer_answers_to_decide_on(parent, answers):
    assert condition_choices(parent) == answers


@pytest.mark.parametrize(
    ("parent", "value"),
    [(VEHICLE, "yes"), (VEHICLE, "no"), (SIZE, "large"), (SERVICES, "Clip")],
)
def test_a_condition_on_one_of_the_parents_answers_is_accepted(parent, value):
    # given
    child = _question("Vehicle plate")
    # when / then
    assert condition_refusal(Condition(question=child, parent=parent, value=value)) is None


@pytest.mark.parametrize(
    ("parent", "value", "refusal"),
    [
        (
            VEHICLE,
            "yess",
            "“yess” is not an answer to “Do you groom in a vehicle?”: choose one of “Yes”, “No”.",
        ),
        (
            VEHICLE,
            "Yes",
            "“Yes” is not an answer to “Do you groom in a vehicle?”: choose one of “Yes”, “No”.",
        ),
        (
            SIZE,
            "Large",
            "“Large” is not an answer to “Size of pets”: choose one of “Small”, “Large”.",
        ),
        (
            _question("Business name", kind="text"),
            "yes",
            "“Business name” is not a yes/no or choice question: its answers cannot decide "
            "whether this question is asked.",
        ),
        (None, "yes", "Choose the question whose answer decides whether this one is asked."),
        (
            _question("Still grooming?", kind="yes_no", for_renewal=True),
            "yes",
            "“Still grooming?” and this question are never asked together (one is asked at "
            "renewal, the other on the first application).",
        ),
    ],
)
def test_a_condition_that_could_never_hold_is_refused_with_the_reason(parent, value, refusal):
    # given
    child = _question("Vehicle plate")
    # when / then
    assert condition_refusal(Condition(question=child, parent=parent, value=value)) == refusal


def test_a_question_cannot_depend_on_itself():
    question = _question("Vehicle?", kind="yes_no")
    condition = Condition(question=question, parent=question, value="yes")
    assert condition_refusal(condition) == "A question cannot depend on itself."


def test_questions_depending_on_each_other_in_a_circle_are_refused():
    # given: a -> b -> c -> a, and d -> a (d is fine on its own, but a is never asked)
    a, b, c = (_question(name, kind="yes_no") for name in "abc")
    d = _question("d")
    conditions = {
        "a": Condition(question=a, parent=c, value="yes"),
        "b": Condition(question=b, parent=a, value="yes"),
        "c": Condition(question=c, parent=b, value="no"),
        "d": Condition(question=d, parent=a, value="yes"),
    }
    # when
    refusals = conditions_refusals(conditions)
    # then
    assert set(refusals) == {"a", "b", "c", "d"}
    assert refusals["a"].startswith("These questions depend on each other in a circle")


def test_a_chain_of_conditions_is_accepted():
    a, b = _question("a", kind="yes_no"), _question("b", kind="yes_no")
    c = _question("c")
    conditions = {
        "b": Condition(question=b, parent=a, value="yes"),
        "c": Condition(question=c, parent=b, value="no"),
    }
    assert conditions_refusals(conditions) == {}


@pytest.mark.parametrize(
    ("limits", "answer", "error"),
    [
        ({}, "3", None),
        ({}, "2.5", "Enter a whole number, without decimals."),
        ({"min_value": 1}, "0", "Enter a whole number of 1 or more."),
        ({"min_value": 1, "max_value": 20}, "21", "Enter a whole number between 1 and 20."),
        ({"max_value": 20}, "20", None),
    ],
)
def test_a_whole_number_question_refuses_decimals_and_numbers_out_of_range(limits, answer, error):
    # given
    question = Question(code="vehicles", label="Vehicles", kind="number", whole_number=True)
    for name, value in limits.items():
        setattr(question, name, Decimal(value))
    # when
    kept, errors = rules.answers_clean([question], {"vehicles": answer})
    # then
    assert errors.get("vehicles") == error
    assert kept == ({} if error else {"vehicles": answer})


@pytest.mark.parametrize(
    ("answer", "stored"), [("2.5", "2.5"), ("2.50", "2.5"), ("20", "20"), ("100.00", "100")]
)
def test_a_number_is_stored_as_written_never_in_exponent_form(answer, stored):
    # "20" once came back as "2E+1".
    question = Question(code="weight", label="Weight", kind="number")
    assert rules.answers_clean([question], {"weight": answer}) == ({"weight": stored}, {})


@pytest.mark.parametrize(
    ("date_range", "days_from_today", "error"),
    [
        ("future", 1, None),
        ("future", 0, "The date must be after today."),
        ("past", -1, None),
        ("past", 0, "The date must be before today."),
        ("not_past", 0, None),
        ("not_past", -1, "The date must be today or in the future."),
        ("not_future", 0, None),
        ("not_future", 1, "The date must be today or in the past."),
        ("", -4000, None),
    ],
)
def test_a_date_question_keeps_to_past_or_future(date_range, days_from_today, error):
    # given
    question = Question(code="day", label="Day", kind="date", date_range=date_range)
    day = timezone.localdate() + datetime.timedelta(days=days_from_today)
    # when
    _kept, errors = rules.answers_clean([question], {"day": day.isoformat()})
    # then
    assert errors.get("day") == error


@pytest.mark.parametrize(
    ("kind", "choices", "choices_es", "typed", "stored"),
    [
        ("yes_no", "", "", "Yes", "yes"),
        ("yes_no", "", "", " NO ", "no"),
        ("yes_no", "", "", "Sí", "yes"),
        ("single_choice", "s | Small\nl | Large", "Pequeño\nGrande", "large", "l"),
        ("single_choice", "s | Small\nl | Large", "Pequeño\nGrande", "L", "l"),
        ("single_choice", "s | Small\nl | Large", "Pequeño\nGrande", "pequeño", "s"),
        ("multiple_choice", "Dogs\nCats", "", "cats", "Cats"),
        ("yes_no", "", "", "Yess", "Yess"),
        ("single_choice", "s | Small", "", "Medium", "Medium"),
    ],
)
def test_an_answer_is_read_by_its_key_or_its_label_in_either_language(
    kind, choices, choices_es, typed, stored
):
    parent = Question(label="Parent", kind=kind, choices=choices, choices_es=choices_es)
    assert condition_answer(parent, typed) == stored
