"""An area's ZIP codes are five digits, as addresses are read: anything else never matched."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.admin.areas import AreaForm
from cases.models import Area

pytestmark = pytest.mark.django_db


def area_form(postal_codes: str) -> AreaForm:
    return AreaForm(
        data={"name": "Ward 9", "code": "ward-9", "boundary": "", "postal_codes": postal_codes}
    )


def test_a_zip_plus_four_is_kept_as_its_five_digits():
    form = area_form("62704-1234, 62701")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["postal_codes"] == ["62704", "62701"]


@pytest.mark.parametrize("typed", ["IL", "6270", "627041", "62704-12", "62704 1234", "ABCDE"])
def test_a_code_that_is_not_a_zip_is_refused_with_the_codes_named(typed):
    form = area_form(f"62701, {typed}")
    assert not form.is_valid()
    assert form.errors["postal_codes"] == [
        f"These are not 5-digit ZIP codes: {typed}. Write each as 5 digits, as 62701."
    ]
    assert not Area.objects.exists()


def test_the_database_refuses_a_code_that_is_not_five_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        Area.objects.create(code="north", name="North", postal_codes=["62701", "62704-1234"])
    Area.objects.create(code="north", name="North", postal_codes=["62701", "62704"])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_any_text_typed_as_zip_codes_is_saved_as_zips_or_refused_with_a_message(typed):
    form = area_form(typed)
    if form.is_valid():
        codes = form.cleaned_data["postal_codes"]
        assert all(len(code) == 5 and code.isascii() and code.isdigit() for code in codes)
    else:
        assert form.errors


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    yield
    _migrate()


BEFORE = [("cases", "0019_areas")]
AFTER = [("cases", "0020_area_zip_codes_five_digits")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_five_digits_of_a_zip_plus_four(latest_schema_after):
    # given: areas saved before codes were checked
    old = _migrate(BEFORE)
    old.get_model("cases", "Area").objects.create(
        code="north", name="North", postal_codes=["62704-1234", " 62701", "62704"]
    )
    old.get_model("cases", "Area").objects.create(code="west", name="West", postal_codes=["62702"])

    # when
    _migrate(AFTER)

    # then
    assert dict(Area.objects.values_list("code", "postal_codes")) == {
        "north": ["62704", "62701"],
        "west": ["62702"],
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_and_names_an_area_with_a_code_that_never_matched(
    latest_schema_after,
):
    # given
    old = _migrate(BEFORE)
    old.get_model("cases", "Area").objects.create(
        code="north", name="North", postal_codes=["62701", "IL"]
    )

    # when / then: nothing is dropped; the administrator is told what to correct
    with pytest.raises(RuntimeError, match=r"Correct them in the admin .*: north: IL$"):
        _migrate(AFTER)
    old.get_model("cases", "Area").objects.filter(code="north").update(postal_codes=["62701"])
