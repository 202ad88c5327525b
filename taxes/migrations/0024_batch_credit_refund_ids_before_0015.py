from django.db import migrations

# Credit refunds asked for before taxes 0015 kept no refund ids; 0021 found them where the
# invoice carries one credit, and left a lender's batch invoice (several credits, one per
# bill) alone: its refunds could not be told apart by invoice. They can by their reason:
# every credit refund has asked the payments app with "Credit on tax bill <number>: paid
# twice" (in the language of whoever asked, the bill number as it is), and a batch invoice
# pays a bill once (one BillPayment per invoice and bill), so the refunds on the invoice
# under the credit policy whose reason names the bill's number are that credit's. The
# status then follows them as in 0021: refunded when they all succeeded, failed when they
# all failed; the note 0021 left goes once they are found. A credit refund none of whose
# refunds names its bill keeps its note. Going back changes nothing.
POLICY = "taxes.credit"
UNMATCHED_PREFIX = "Asked for before refunds were tracked per credit"
REFUSED = "The payment service refused the refund."


def _naming(number: str) -> str:
    # The number alone, not inside a longer one (bill numbers are letters, digits, dashes).
    return rf"(^|[^0-9A-Za-z-]){number}([^0-9A-Za-z-]|$)"


def fill_batch_refund_ids(apps, schema_editor):
    CreditRefund = apps.get_model("taxes", "CreditRefund")
    BillPayment = apps.get_model("taxes", "BillPayment")
    Refund = apps.get_model("payments", "Refund")
    untracked = CreditRefund.objects.filter(refund_ids=[]).exclude(status="failed")
    for row in untracked.select_related("bill_payment__bill").order_by("pk"):
        payment = row.bill_payment
        if BillPayment.objects.filter(invoice_id=payment.invoice_id).count() < 2:
            continue  # 0021's case
        refunds = list(
            Refund.objects.filter(
                payment__invoice_id=payment.invoice_id,
                policy=POLICY,
                reason__regex=_naming(payment.bill.number),
            ).order_by("pk")
        )
        if not refunds:
            continue
        standing = [refund for refund in refunds if refund.status != "failed"]
        carried = standing or refunds
        statuses = {refund.status for refund in carried}
        changes = {"refund_ids": [refund.pk for refund in carried]}
        if row.failure.startswith(UNMATCHED_PREFIX):
            changes["failure"] = ""
        if statuses == {"succeeded"}:
            changes["status"] = "refunded"
        elif statuses == {"failed"}:
            changes.update(status="failed", failure=REFUSED)
        CreditRefund.objects.filter(pk=row.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("taxes", "0023_bill_event_refund_failed"),
        ("payments", "0006_invoice_one_per_subject"),
    ]

    operations = [migrations.RunPython(fill_batch_refund_ids, migrations.RunPython.noop)]
