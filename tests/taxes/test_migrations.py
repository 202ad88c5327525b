"""Taxes migrations that change rows, run from the schema before them on rows as they were."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets=None):
    """To `targets`, or (None) to the latest migration of every app, as the tests' models."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """Whatever happens in the test, leave the database at the latest migration."""
    yield
    _migrate()


def _bills(apps, count: int):
    Parcel = apps.get_model("taxes", "Parcel")
    TaxBill = apps.get_model("taxes", "TaxBill")
    bills = []
    for n in range(1, count + 1):
        parcel = Parcel.objects.create(number=f"40-00000{n}", situs_address=f"{n} Elm Street")
        bills.append(
            TaxBill.objects.create(
                parcel=parcel, tax_year=2026, number=f"2026-4000{n}", access_code=f"{n:012d}"
            )
        )
    return bills


# --- 0011: past imports' new lender conflicts, counted from the timelines -------------------


def test_0011_counts_each_past_imports_new_lender_conflicts_from_the_timelines(
    latest_schema_after,
):
    # given: three imports before 0011; the first recorded two conflicts, the second one (and
    # changed a lender, which is no conflict), the third none
    old = _migrate([("taxes", "0010_bill_event_lender_kinds")])
    RollImport = old.get_model("taxes", "RollImport")
    BillEvent = old.get_model("taxes", "BillEvent")
    first, second, third = (
        RollImport.objects.create(file_name=f"roll-{n}.csv", file_sha256=f"{n}" * 64)
        for n in (1, 2, 3)
    )
    one, two, three = _bills(old, 3)

    def conflict(bill, roll_import, key):
        BillEvent.objects.create(
            bill=bill,
            kind="lender_conflict",
            key=f"lender-conflict:{key}",
            data={"lender": "First Bank", "roll_lender": "Other Bank", "roll_import": roll_import},
        )

    conflict(one, first.pk, "a")
    conflict(two, first.pk, "a")
    conflict(three, second.pk, "b")
    BillEvent.objects.create(
        bill=one,
        kind="lender_changed",
        key=f"lender:{second.pk}",
        data={"from": "", "to": "Third Bank", "roll_import": second.pk},
    )
    BillEvent.objects.create(bill=two, kind="reminder", key="reminder:1", data={})

    # when
    new = _migrate([("taxes", "0011_roll_import_lender_conflicts")])

    # then: the new conflicts each import recorded; how many rows it listed was not kept
    counts = new.get_model("taxes", "RollImport").objects.values_list(
        "pk", "lender_conflicts_new", "lender_conflicts"
    )
    assert sorted(counts) == [(first.pk, 2, 0), (second.pk, 1, 0), (third.pk, 0, 0)]
