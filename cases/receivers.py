"""The case engine's answer to allauth's e-mail verification: claim what guests left there.

allauth offers no other hook for "this person now controls this address"; the receiver
only calls the claims service and tells the person what was linked.
"""

from allauth.account.signals import email_confirmed
from django.contrib import messages
from django.dispatch import receiver

from cases.claims import claims_for_verified_email


@receiver(email_confirmed, dispatch_uid="cases.claims.email_confirmed")
def claim_on_verified_email(sender, *, request, email_address, **kwargs):
    result = claims_for_verified_email(user=email_address.user, email=email_address.email)
    text = result.message()
    if text and request is not None and hasattr(request, "_messages"):
        messages.success(request, text)
