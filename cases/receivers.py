"""The case engine's answer to allauth's e-mail verification: claim what guests left there.

allauth offers no other hook for "this person now controls this address"; the receiver
only calls the claims service and tells the person what was linked.

Also: a `Holiday` saved or deleted, however it was written, makes the business-day calendar
read the administrator's holidays again (`cases.service_levels` keeps them for the rest of a
transaction).
"""

from allauth.account.signals import email_confirmed
from django.contrib import messages
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cases.claims import claims_for_verified_email
from cases.service_levels import Holiday, holidays_forget

post_save.connect(holidays_forget, sender=Holiday, dispatch_uid="cases.holidays_forget.save")
post_delete.connect(holidays_forget, sender=Holiday, dispatch_uid="cases.holidays_forget.delete")


@receiver(email_confirmed, dispatch_uid="cases.claims.email_confirmed")
def claim_on_verified_email(sender, *, request, email_address, **kwargs):
    result = claims_for_verified_email(user=email_address.user, email=email_address.email)
    text = result.message()
    if text and request is not None and hasattr(request, "_messages"):
        messages.success(request, text)
