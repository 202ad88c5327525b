"""Mark the permit-fee invoices already issued as once per subject, so the database refuses a
second for the same issuance from now on."""

from django.db import migrations

PURPOSE_PERMIT_FEE = "permits.permit_fee"


def permit_fee_invoices_once(apps, schema_editor):
    PermitIssuance = apps.get_model("permits", "PermitIssuance")
    Invoice = apps.get_model("payments", "Invoice")
    linked = PermitIssuance.objects.filter(invoice__isnull=False).values("invoice_id")
    Invoice.objects.filter(
        pk__in=linked, purpose=PURPOSE_PERMIT_FEE, subject_id__isnull=False
    ).update(one_per_subject=True)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_invoice_one_per_subject"),
        ("permits", "0008_inspection_lengths"),
    ]

    operations = [
        migrations.RunPython(permit_fee_invoices_once, migrations.RunPython.noop),
    ]
