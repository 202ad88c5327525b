"""Migration 0006 turns categories' Open311 attributes into shared questions: the API
describes them as before and the answers already stored on reports read as before."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from concerns.models import ConcernCategory
from concerns.open311.representation import service_definition

BEFORE = [("concerns", "0005_area_and_languages_checked_in_code")]


def _migrate(targets=None):
    """To `targets`, or (None) to the latest migration of every app, as the tests' models."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_attributes_become_questions_the_api_describes_as_before():
    # given: a category with a list question, a text question and a line of information
    old = _migrate(BEFORE)
    Category = old.get_model("concerns", "ConcernCategory")
    Attribute = old.get_model("concerns", "CategoryAttribute")
    Value = old.get_model("concerns", "AttributeValue")
    category = Category.objects.create(code="pothole", name="Pothole")
    size = Attribute.objects.create(
        category=category,
        code="size",
        description="How big is it?",
        datatype="singlevaluelist",
        required=True,
        order=1,
    )
    Value.objects.create(attribute=size, key="large", name="Bigger than a tire", order=2)
    Value.objects.create(attribute=size, key="small", name="small", order=1)
    Attribute.objects.create(
        category=category,
        code="lane",
        description="Which lane?",
        datatype_description="e.g. the left lane",
        order=2,
    )
    Attribute.objects.create(
        category=category,
        code="note",
        description="We fix potholes within five days.",
        variable=False,
        order=3,
    )

    # when
    _migrate()

    # then
    attributes = service_definition(ConcernCategory.objects.get(pk=category.pk))["attributes"]
    assert [
        (a["code"], a["datatype"], a["variable"], a["required"], a["datatype_description"])
        for a in attributes
    ] == [
        ("size", "singlevaluelist", True, True, ""),
        ("lane", "string", True, False, "e.g. the left lane"),
        ("note", "string", False, False, ""),
    ]
    assert attributes[0]["values"] == [
        {"key": "small", "name": "small"},
        {"key": "large", "name": "Bigger than a tire"},
    ]
    assert attributes[2]["description"] == "We fix potholes within five days."
