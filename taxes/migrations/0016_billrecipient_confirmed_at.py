"""Other recipients confirm their address before bills and reminders reach them.

Recipients added before this migration are marked confirmed (at the time they were added):
each was named by a resident who proved they hold the parcel's bill, and has been getting
its bills and reminders; stopping them silently would leave people who count on them
without their reminders. Every message to them now carries a link that removes them at
once, so an address added against its will stops it with one click (docs/services.md)."""

from django.db import migrations, models


def existing_confirmed(apps, schema_editor):
    BillRecipient = apps.get_model("taxes", "BillRecipient")
    BillRecipient.objects.filter(confirmed_at__isnull=True).update(
        confirmed_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("taxes", "0015_credit_refund_refund_ids")]

    operations = [
        migrations.AddField(
            model_name="billrecipient",
            name="confirmed_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Empty: waiting for the address to confirm; nothing is sent to it.",
                null=True,
                verbose_name="confirmed at",
            ),
        ),
        migrations.RunPython(existing_confirmed, migrations.RunPython.noop),
    ]
