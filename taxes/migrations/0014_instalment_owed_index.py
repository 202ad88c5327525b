"""An index for the tax-reminder rule: each bill's instalments still owed, by due date,
carrying what the rule reads, so the rule's probe never reads a paid instalment (see
`Instalment.Meta.indexes`).

Built without blocking payments or a roll import (CREATE INDEX CONCURRENTLY, hence a
non-atomic migration).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models import F
from django.db.models.lookups import GreaterThan


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("taxes", "0013_bill_event_lender_settled"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="instalment",
            index=models.Index(
                condition=models.Q(
                    GreaterThan(
                        F("amount_cents")
                        + F("adjustment_cents")
                        - F("principal_paid_cents")
                        - F("discount_cents"),
                        0,
                    )
                ),
                fields=["bill", "due_date"],
                include=(
                    "id",
                    "sequence",
                    "amount_cents",
                    "adjustment_cents",
                    "principal_paid_cents",
                    "discount_cents",
                ),
                name="taxes_instalment_owed_idx",
            ),
        ),
    ]
