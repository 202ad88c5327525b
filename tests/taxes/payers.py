"""Shared steps of the escrow, credit and batch tests: pay on the local gateway."""

from payments import services as payments

SUCCESS = "https://portal.example.gov/taxes/bills/X/?payment=done"
CANCEL = "https://portal.example.gov/taxes/bills/X/"


def pay_locally(invoice):
    attempt = payments.payment_attempt_start(
        invoice=invoice, success_url=SUCCESS, cancel_url=CANCEL
    )
    payments.payment_local_complete(payment=attempt, approved=True)
    invoice.refresh_from_db()
    return invoice


def csv_file(*rows: str, header: str = "parcel_number,amount"):
    import io

    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode())
