"""The questions of an owner set up in one pass through the admin's inline formset:
generated codes and orders, conditions on rows of the same submission checked against the
parent's actual answers, and nothing saved when anything is refused."""

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory

from cases.questions.admin import QuestionInline
from cases.questions.models import Question
from licensing.models import LicenseType
from tests.accounts.factories import StaffFactory
from tests.licensing.factories import LicenseTypeFactory, QuestionFactory

pytestmark = pytest.mark.django_db

PREFIX = "cases-question-owner_type-owner_id"


def _formset(owner, rows, *, initial=0):
    request = RequestFactory().post("/")
    request.user = StaffFactory(is_superuser=True)
    formset_class = QuestionInline(LicenseType, admin.site).get_formset(request, owner)
    data = {
        f"{PREFIX}-TOTAL_FORMS": str(len(rows)),
        f"{PREFIX}-INITIAL_FORMS": str(initial),
    }
    for index, row in enumerate(rows):
        row = {"kind": "text", "required": "on", **row}
        for name, value in row.items():
            data[f"{PREFIX}-{index}-{name}"] = value
    return formset_class(data, instance=owner, prefix=PREFIX)


def _save(formset):
    with transaction.atomic():
        assert formset.is_valid(), formset.errors
        formset.save()


def test_a_conditional_question_is_set_up_in_the_same_pass_as_its_parent():
    # given: the child comes before its parent on the page, neither saved yet
    owner = LicenseTypeFactory()
    rows = [
        {"label": "Vehicle plate number", "condition_on": "1", "condition_is": "Yes"},
        {"label": "Do you groom in a vehicle?", "kind": "yes_no"},
        {"label": "Size of pets", "kind": "single_choice", "choices": "small | Small\nlarge"},
        {"label": "Crate size", "condition_on": "2", "condition_is": "LARGE", "required": ""},
    ]

    # when
    _save(_formset(owner, rows))

    # then
    questions = {q.code: q for q in Question.objects.of(owner)}
    assert list(questions) == [
        "vehicle_plate_number",
        "do_you_groom_in_a_vehicle",
        "size_of_pets",
        "crate_size",
    ]
    plate, crate = questions["vehicle_plate_number"], questions["crate_size"]
    assert (plate.condition_question, plate.condition_value) == (
        questions["do_you_groom_in_a_vehicle"],
        "yes",
    )
    assert (crate.condition_question.code, crate.condition_value) == ("size_of_pets", "large")
    assert [q.order for q in Question.objects.of(owner)] == [10, 20, 30, 40]
    assert crate.required is False


@pytest.mark.parametrize(
    ("on", "answer", "field", "message"),
    [
        (
            "1",
            "Yess",
            "condition_is",
            "“Yess” is not an answer to “Do you groom in a vehicle?”: choose one of “Yes”, “No”.",
        ),
        (
            "1",
            "",
            "condition_is",
            "Say which answer to “Do you groom in a vehicle?” shows this question: “Yes”, “No”.",
        ),
        (
            "2",
            "yes",
            "condition_on",
            "“Business address” is not a yes/no or choice question: its answers cannot decide "
            "whether this question is asked.",
        ),
        ("0", "yes", "condition_on", "A question cannot depend on itself."),
        (
            "3",
            "yes",
            "condition_on",
            "The question this one depends on is being removed or left blank: choose another.",
        ),
        (
            "7",
            "yes",
            "condition_on",
            "Choose the question whose answer decides whether this one is asked.",
        ),
        (
            "",
            "yes",
            "condition_on",
            "Choose the question whose answer decides whether this one is asked.",
        ),
    ],
)
def test_an_impossible_condition_is_refused_on_the_form_and_nothing_is_saved(
    on, answer, field, message
):
    # given: row 3 is a blank row of the page
    owner = LicenseTypeFactory()
    rows = [
        {
            "label": "Vehicle plate number",
            "kind": "yes_no",
            "condition_on": on,
            "condition_is": answer,
        },
        {"label": "Do you groom in a vehicle?", "kind": "yes_no"},
        {"label": "Business address"},
        {"label": "", "kind": "", "required": "on"},
    ]

    # when
    formset = _formset(owner, rows)

    # then
    assert not formset.is_valid()
    assert formset.forms[0].errors[field] == [message]
    assert not Question.objects.of(owner).exists()


def test_an_answer_is_read_by_its_key_or_its_label_in_either_language():
    # given
    owner = LicenseTypeFactory()
    rows = [
        {"label": "Van?", "kind": "yes_no"},
        {
            "label": "Size",
            "kind": "single_choice",
            "choices": "s | Small\nl | Large",
            "choices_es": "Pequeño\nGrande",
        },
        {"label": "Plate", "condition_on": "0", "condition_is": " sí "},
        {"label": "Crate", "condition_on": "1", "condition_is": "grande"},
        {"label": "Brush", "condition_on": "1", "condition_is": "S"},
    ]

    # when
    _save(_formset(owner, rows))

    # then
    assert {
        q.code: q.condition_value for q in Question.objects.of(owner) if q.condition_question
    } == {"plate": "yes", "crate": "l", "brush": "s"}


def test_a_code_typed_twice_is_refused_and_a_generated_one_steps_aside():
    # given
    owner = LicenseTypeFactory()
    twice = [{"label": "Phone", "code": "phone"}, {"label": "Other phone", "code": "phone"}]
    generated = [{"label": "Vehicle"}, {"label": "Plate", "code": "vehicle"}]

    # when
    refused = _formset(owner, twice)
    accepted = _formset(owner, generated)
    _save(accepted)

    # then
    assert not refused.is_valid()
    assert refused.forms[1].errors["code"] == [
        "Another question of this form has the code “phone”."
    ]
    assert sorted(Question.objects.of(owner).values_list("label", "code")) == [
        ("Plate", "vehicle"),
        ("Vehicle", "vehicle_2"),
    ]


def test_a_saved_condition_is_shown_back_and_a_parent_removed_with_its_child_is_allowed():
    # given
    owner = LicenseTypeFactory()
    parent = QuestionFactory(license_type=owner, code="vehicle", kind="yes_no", order=10)
    child = QuestionFactory(
        license_type=owner,
        code="plate",
        order=20,
        condition_question=parent,
        condition_value="yes",
    )
    request = RequestFactory().get("/")
    request.user = StaffFactory(is_superuser=True)
    formset_class = QuestionInline(LicenseType, admin.site).get_formset(request, owner)

    # when
    shown = formset_class(instance=owner, prefix=PREFIX)
    keep = {
        "id": str(parent.pk),
        "label": parent.label,
        "kind": "yes_no",
        "order": "10",
        "code": "vehicle",
    }
    child_row = {"id": str(child.pk), "label": child.label, "order": "20", "code": "plate"}
    removing_parent_only = _formset(
        owner,
        [{**keep, "DELETE": "on"}, {**child_row, "condition_on": "0", "condition_is": "yes"}],
        initial=2,
    )
    removing_both = _formset(
        owner, [{**keep, "DELETE": "on"}, {**child_row, "DELETE": "on"}], initial=2
    )

    # then
    assert (shown.forms[1]["condition_on"].value(), shown.forms[1]["condition_is"].value()) == (
        "0",
        "Yes",
    )
    assert f"“{parent.label}” (#1)" in str(shown.forms[1]["condition_on"])
    # The blank rows of the page may be chosen too, before anything is typed in them.
    assert "New question #3" in str(shown.forms[0]["condition_on"])
    assert not removing_parent_only.is_valid()
    assert removing_parent_only.forms[1].errors["condition_on"] == [
        "The question this one depends on is being removed or left blank: choose another."
    ]
    _save(removing_both)
    assert not Question.objects.of(owner).exists()


def test_a_condition_moved_to_another_parent_while_the_old_one_is_removed():
    # given
    owner = LicenseTypeFactory()
    old = QuestionFactory(license_type=owner, code="old", kind="yes_no", order=10)
    new = QuestionFactory(license_type=owner, code="new", kind="yes_no", order=20)
    child = QuestionFactory(
        license_type=owner, code="child", order=30, condition_question=old, condition_value="no"
    )
    rows = [
        {"id": str(old.pk), "label": old.label, "kind": "yes_no", "code": "old", "DELETE": "on"},
        {"id": str(new.pk), "label": new.label, "kind": "yes_no", "code": "new"},
        {
            "id": str(child.pk),
            "label": child.label,
            "code": "child",
            "condition_on": "1",
            "condition_is": "yes",
        },
    ]

    # when
    _save(_formset(owner, rows, initial=3))

    # then
    child.refresh_from_db()
    assert (child.condition_question, child.condition_value) == (new, "yes")
    assert not Question.objects.filter(pk=old.pk).exists()
