"""Inbound text messages from the SMS provider: STOP and START replies.

Twilio posts each reply to this URL (set it as the number's or messaging service's "A message
comes in" webhook). The request is checked with the provider's signature, computed over the
public URL, so the portal must know its public address (SITE_URL).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import services
from notifications.models import SMSOptOut
from notifications.sms import twilio_signature_valid

_PHONE_MAX_LENGTH = SMSOptOut._meta.get_field("phone").max_length
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    params = {key: request.POST[key] for key in request.POST}
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio_signature_valid(url=url, params=params, signature=signature):
        return HttpResponseForbidden("Invalid signature.", content_type="text/plain")
    sender = params.get("From", "")
    # A "From" no phone number can be (too long for the list, control characters) is not
    # one the portal ever texts: there is nothing to stop or start.
    if sender and len(sender) <= _PHONE_MAX_LENGTH and sender.isprintable():
        services.sms_reply_receive(phone=sender, body=params.get("Body", ""))
    # Twilio sends the carrier-mandated confirmation of STOP and START itself.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
