from django.db import migrations

# Credit refunds asked for before taxes 0015 kept no refund ids, so one whose refunds Stripe
# refused later stayed "being refunded" for good: never listed to refund again, never failed.
# Their ids are found where that is certain: an invoice of one bill carries one credit (one
# BillPayment), so every refund made on it under the credit policy is that credit's. The
# ones still standing are kept (or, when all were refused, all of them), and the status
# follows them as it does since 0015: refunded when they all succeeded, failed when they all
# failed. A lender's batch invoice carries several credits, whose refunds cannot be told
# apart: a pending one there is left as it is (never listed to refund again, so nothing is
# refunded twice), with a note staff read on the credits page. Going back changes nothing.
POLICY = "taxes.credit"
UNMATCHED = (
    "Asked for before refunds were tracked per credit, and its refunds could not be told "
    "apart: check the invoice's refunds before refunding it again."
)
REFUSED = "The payment service refused the refund."


def fill_refund_ids(apps, schema_editor):
    CreditRefund = apps.get_model("taxes", "CreditRefund")
    BillPayment = apps.get_model("taxes", "BillPayment")
    Refund = apps.get_model("payments", "Refund")
    untracked = CreditRefund.objects.filter(refund_ids=[]).exclude(status="failed")
    for row in untracked.select_related("bill_payment").order_by("pk"):
        invoice_id = row.bill_payment.invoice_id
        if BillPayment.objects.filter(invoice_id=invoice_id).count() != 1:
            if row.status == "pending":
                CreditRefund.objects.filter(pk=row.pk).update(failure=UNMATCHED)
            continue
        refunds = list(
            Refund.objects.filter(payment__invoice_id=invoice_id, policy=POLICY).order_by("pk")
        )
        standing = [refund for refund in refunds if refund.status != "failed"]
        carried = standing or refunds
        if not carried:
            if row.status == "pending":
                CreditRefund.objects.filter(pk=row.pk).update(failure=UNMATCHED)
            continue
        statuses = {refund.status for refund in carried}
        changes = {"refund_ids": [refund.pk for refund in carried]}
        if statuses == {"succeeded"}:
            changes["status"] = "refunded"
        elif statuses == {"failed"}:
            changes.update(status="failed", failure=REFUSED)
        CreditRefund.objects.filter(pk=row.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0020_batch_replaced_status"),
        ("payments", "0006_invoice_one_per_subject"),
    ]

    operations = [migrations.RunPython(fill_refund_ids, migrations.RunPython.noop)]
