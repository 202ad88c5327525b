"""Each bill keeps the digest of its roll row's billed values, so a re-import skips the bills
whose row did not change. Bills issued before are empty: their next import compares them in
full, once, and stores their digest."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0016_billrecipient_confirmed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="taxbill",
            name="roll_digest",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=32, verbose_name="roll digest"
            ),
        ),
        migrations.AddConstraint(
            model_name="taxbill",
            constraint=models.CheckConstraint(
                condition=models.Q(("roll_digest__regex", "^([0-9a-f]{32})?$")),
                name="taxes_bill_roll_digest_format",
            ),
        ),
    ]
