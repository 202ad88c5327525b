from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone


def cancel_open_items_of_closed_cases(apps, schema_editor):
    """Close as cancelled the work items left open on cases that ended before items were
    cancelled with their case (a permit withdrawn or cancelled while in review)."""
    WorkItem = apps.get_model("cases", "WorkItem")
    WorkItem.objects.filter(closed_at__isnull=True, case__closed_at__isnull=False).update(
        outcome="cancelled",
        closed_at=Greatest(Value(timezone.now()), F("opened_at")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_workbench_queue"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="workitem",
            name="cases_workitem_outcome_known",
        ),
        migrations.AlterField(
            model_name="workitem",
            name="outcome",
            field=models.CharField(
                blank=True,
                choices=[
                    ("approved", "Approved"),
                    ("rejected", "Changes needed"),
                    ("cancelled", "Cancelled"),
                ],
                max_length=10,
                verbose_name="outcome",
            ),
        ),
        migrations.AddConstraint(
            model_name="workitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("outcome__in", ["", "approved", "rejected", "cancelled"])),
                name="cases_workitem_outcome_known",
            ),
        ),
        migrations.RunPython(cancel_open_items_of_closed_cases, migrations.RunPython.noop),
    ]
