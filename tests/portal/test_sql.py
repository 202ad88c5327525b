import pytest
from django.db import connection

from cases.models import Case
from portal import sql
from tests.cases.factories import CaseFactory
from tests.cases.workflows import TEST_PERMIT


def test_columns_follow_the_models_order_whatever_order_they_are_named_in():
    # when
    fields = sql.columns(Case, ["status", "reference", "id"])

    # then
    assert [field.attname for field in fields] == ["id", "reference", "status"]


def test_columns_refuse_a_name_the_model_does_not_have():
    # when / then
    with pytest.raises(ValueError, match=r"Case has no concrete fields \['nope'\]"):
        sql.columns(Case, ["id", "nope"])


def test_select_list_quotes_and_qualifies_the_columns():
    # given
    fields = sql.columns(Case, ["id", "applicant_id"])

    # when / then
    assert sql.select_list(fields) == '"id", "applicant_id"'
    assert sql.select_list(fields, alias="c") == '"c"."id", "c"."applicant_id"'


@pytest.mark.django_db
def test_instances_are_what_only_would_have_loaded(resident):
    # given
    case = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    fields = sql.columns(Case, ["id", "reference", "status"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.select_list(fields)}, 'extra' FROM cases_case WHERE id = %s",  # noqa: S608
            [case.pk],
        )
        rows = cursor.fetchall()

    # when
    (built,) = sql.instances(Case, fields, rows)

    # then: the trailing column is ignored, unread fields are deferred, and the instance is
    # a saved one (not adding), like any the ORM loads
    loaded = Case.objects.only("id", "reference", "status").get(pk=case.pk)
    assert (built.pk, built.reference, built.status) == (case.pk, case.reference, case.status)
    assert built.get_deferred_fields() == loaded.get_deferred_fields()
    assert built._state.adding is False
    assert built._state.db == "default"
