"""A guest's bookings join the account that verifies their e-mail address (cases.claims)."""

from __future__ import annotations

from django.utils import timezone

from bookings.models import Booking


def bookings_claim(*, user, email: str) -> int:
    """Give `user` the guest bookings under `email` (case-insensitive) and their cases; return
    how many bookings. Runs in cases.claims' transaction; only rows without an account."""
    from cases.links import RevokedReason, links_revoke
    from cases.models import Case
    from cases.participants import applicant_claimed

    # Primary-key order, so two verifications at once lock in the same order.
    bookings = list(
        Booking.objects.select_for_update()
        .filter(user__isnull=True, guest_email__iexact=email)
        .order_by("pk")
    )
    if not bookings:
        return 0
    now = timezone.now()
    ids = [booking.pk for booking in bookings]
    Booking.objects.filter(pk__in=ids).update(user=user, updated_at=now)
    case_ids = [booking.case_id for booking in bookings if booking.case_id is not None]
    Case.objects.filter(pk__in=case_ids, applicant__isnull=True).update(
        applicant=user, updated_at=now
    )
    applicant_claimed(case_ids=case_ids, user=user)
    for booking in bookings:
        links_revoke(target=booking, reason=RevokedReason.CLAIMED)
    return len(bookings)
