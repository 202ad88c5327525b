"""The receipt e-mail: a confirmation with the PDF receipt attached.

The notifications outbox has no attachments, so this one message is sent with Django's mail
API directly (by the task `payments.email_receipt`, see `services.receipt_email_send`). Its
text follows the notifications convention: templates/notifications/<key>/subject.txt,
body.txt and the optional body.html, with the same standard context names, so the same
templates also serve the in-app and SMS copies queued through the outbox.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, TemplateDoesNotExist, loader
from django.utils import translation

from payments.models import Receipt, ReceiptKind
from payments.pdf import receipt_filename, receipt_pdf
from payments.tokens import receipt_url


def template_key(receipt: Receipt) -> str:
    if receipt.kind == ReceiptKind.REFUND:
        return "payments/refund_issued"
    return "payments/payment_received"


def message_context(receipt: Receipt) -> dict:
    """The JSON-serializable context of the receipt's messages (e-mail, SMS, in-app)."""
    invoice = receipt.invoice
    return {
        "invoice_reference": invoice.reference,
        "description": invoice.description,
        "receipt_number": receipt.number,
        "amount_cents": receipt.amount_cents,
        "currency": invoice.currency,
        "receipt_url": receipt_url(receipt=receipt),
    }


def _render_text(name: str, context: dict) -> str:
    # Plain text must not be HTML-escaped ("O'Brien" stays "O'Brien").
    return loader.get_template(name).template.render(Context(context, autoescape=False)).strip()


def _recipient(receipt: Receipt) -> tuple[str, str, str] | None:
    """(address, name, language) of whoever paid, or None if they do not take e-mail."""
    invoice = receipt.invoice
    if receipt.payment.payer_email:
        # Paid by someone other than the person billed (a relative, a lender).
        return receipt.payment.payer_email, receipt.payment.payer_name, invoice.language
    if invoice.payer_id is not None:
        payer = invoice.payer
        if not (payer.notify_by_email and payer.email):
            return None
        return payer.email, payer.full_name, payer.preferred_language
    if not invoice.guest_email:
        return None
    return invoice.guest_email, invoice.guest_name, invoice.language


def receipt_email(receipt: Receipt) -> EmailMultiAlternatives | None:
    """Build the confirmation e-mail of `receipt` with its PDF, or None if it has nowhere to go."""
    recipient = _recipient(receipt)
    if recipient is None:
        return None
    address, name, language = recipient
    key = template_key(receipt)
    context = {
        **message_context(receipt),
        "recipient_name": name,
        "agency": settings.AGENCY,
        "site_url": settings.SITE_URL,
        "link_url": message_context(receipt)["receipt_url"],
        "unsubscribe_url": "",
    }
    with translation.override(language):
        subject = " ".join(_render_text(f"notifications/{key}/subject.txt", context).split())
        body = _render_text(f"notifications/{key}/body.txt", context)
        try:
            html = loader.get_template(f"notifications/{key}/body.html").render(context)
        except TemplateDoesNotExist:
            html = ""
        pdf = receipt_pdf(receipt=receipt, language=language)
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">").strip() or (
        urlsplit(settings.SITE_URL).hostname or "localhost"
    )
    message = EmailMultiAlternatives(
        subject=subject[:255],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        # Stable, so a resend after a crash is recognisably the same message.
        headers={"Message-ID": f"<receipt.{receipt.number}@{domain}>"},
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.attach(receipt_filename(receipt), pdf, "application/pdf")
    return message
