"""Twilio's webhooks: inbound text messages (STOP and START replies) and status callbacks.

Twilio posts each reply to `twilio_inbound` (set it as the number's or messaging service's "A
message comes in" webhook), and each change of a sent message's status to `twilio_status`
(every message asks for it: `TwilioSMSBackend` sends its URL as the `StatusCallback`). Both
requests are checked with the provider's signature, computed over the public URL, so the
portal must know its public address (SITE_URL).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import services
from notifications.models import SMSOptOut
from notifications.services.delivery_status import notification_delivery_record
from notifications.sms import twilio_signature_valid

_PHONE_MAX_LENGTH = SMSOptOut._meta.get_field("phone").max_length
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


# A sent message's final statuses (the others, queued, sending, sent, are steps on the way).
_DELIVERED = "delivered"
_NOT_DELIVERED = {"undelivered", "failed"}


def _signed_params(request: HttpRequest) -> dict[str, str] | None:
    """The request's POST fields if Twilio signed them, else None."""
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    params = {key: request.POST[key] for key in request.POST}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio_signature_valid(url=url, params=params, signature=signature):
        return None
    return params


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    params = _signed_params(request)
    if params is None:
        return HttpResponseForbidden("Invalid signature.", content_type="text/plain")
    sender = params.get("From", "")
    # A "From" no phone number can be (too long for the list, control characters) is not
    # one the portal ever texts: there is nothing to stop or start.
    if sender and len(sender) <= _PHONE_MAX_LENGTH and sender.isprintable():
        services.sms_reply_receive(phone=sender, body=params.get("Body", ""))
    # Twilio sends the carrier-mandated confirmation of STOP and START itself.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Record that a text was delivered, or not (undelivered, failed), on the message.

    A text not delivered is recorded as bounced and announced like an e-mail bounce
    (`notification_delivery_record`), so the service that sent it hears so.
    """
    params = _signed_params(request)
    if params is None:
        return HttpResponseForbidden("Invalid signature.", content_type="text/plain")
    status = params.get("MessageStatus", "")
    if status == _DELIVERED or status in _NOT_DELIVERED:
        error_code = params.get("ErrorCode", "")
        notification_delivery_record(
            provider_message_id=params.get("MessageSid", ""),
            delivered=status == _DELIVERED,
            detail=f"{status} ({error_code})" if error_code else status,
        )
    return HttpResponse(status=204)
