"""Migration 0016 moves license types' questions and documents to `cases.questions`: ids,
conditions, supplied documents and the answers given before all read as they did."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.questions import rules
from cases.questions.models import DocumentRequirement, Question
from licensing.models import ApplicationDocument, LicenseType

BEFORE = [("licensing", "0015_question_number_and_date_limits")]


def _migrate(targets=None):
    """To `targets`, or (None) to the latest migration of every app, as the tests' models."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_questions_and_documents_move_with_their_ids_and_answers_still_read(resident):
    # given: a type with a conditional question and a required document, before the move
    old = _migrate(BEFORE)
    OldType = old.get_model("licensing", "LicenseType")
    OldQuestion = old.get_model("licensing", "Question")
    OldDocument = old.get_model("licensing", "RequiredDocument")
    license_type = OldType.objects.create(
        code="food-truck",
        number_prefix="FTR",
        name="Food truck",
        category="Food",
        description="Selling food from a vehicle.",
        application_fee_cents=100,
        renewal_fee_cents=100,
    )
    parent = OldQuestion.objects.create(
        license_type=license_type, code="propane", label="Do you cook with propane?", kind="yes_no"
    )
    child = OldQuestion.objects.create(
        license_type=license_type,
        code="tanks",
        label="How many tanks?",
        kind="number",
        min_value=1,
        condition_question=parent,
        condition_value="yes",
        order=2,
    )
    document = OldDocument.objects.create(
        license_type=license_type, name="Vehicle inspection", required=True
    )

    # when
    _migrate()

    # then: same ids, owned by the type, the condition kept
    moved_parent, moved_child = Question.objects.filter(pk__in=[parent.pk, child.pk])
    new_type = LicenseType.objects.get(pk=license_type.pk)
    assert moved_child.owner == new_type
    assert moved_child.condition_question_id == moved_parent.pk
    assert (moved_child.code, moved_child.min_value, moved_child.condition_value) == (
        "tanks",
        1,
        "yes",
    )
    assert list(new_type.questions.order_by("order")) == [moved_parent, moved_child]
    assert list(new_type.documents.all()) == [DocumentRequirement.objects.get(pk=document.pk)]
    # an answer given before reads as before; a new question gets an id after the copies
    answers = {"propane": "yes", "tanks": "2"}
    assert rules.answers_clean([moved_parent, moved_child], answers) == (answers, {})
    newer = Question.objects.create(owner=new_type, code="later", label="Later", kind="text")
    assert newer.pk > moved_child.pk
    assert ApplicationDocument._meta.get_field("requirement").related_model is (DocumentRequirement)
