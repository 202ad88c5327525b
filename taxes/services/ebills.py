"""E-bills: link a parcel to an account, go paperless, name other recipients.

Linking proves the resident holds one of the parcel's bills: they type the access code
printed on it. Attempts are counted per account (and a wrong code counts like any other), so
an account cannot try codes faster than the public look-up allows a visitor to.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.ratelimit import allow
from taxes.exceptions import EBillRateLimited, EBillRefused
from taxes.models import BillRecipient, Parcel, ParcelLink, Relationship
from taxes.models.ebills import MAX_RECIPIENTS_PER_LINK

LINK_WINDOW_SECONDS = 15 * 60
MAX_LINKS_PER_ACCOUNT = 500


def parcel_link(*, user, parcel_number: str, access_code: str) -> ParcelLink:
    """Link the parcel `parcel_number` to `user`'s account, if `access_code` is the code of
    one of its bills.

    Raises EBillRefused (nothing written) when the account has made too many attempts, the
    parcel is unknown, the code matches none of its bills, or the parcel is linked already.
    """
    key = f"taxes:link:{user.pk}"
    if not allow(
        key, limit=settings.TAXES_FACTOR_ATTEMPTS_PER_15_MINUTES, window_seconds=LINK_WINDOW_SECONDS
    ):
        raise EBillRateLimited(_("Too many attempts. Please wait 15 minutes and try again."))
    number = " ".join(parcel_number.split()).upper()
    parcel = Parcel.objects.filter(number=number).first()
    if parcel is None:
        raise EBillRefused(
            _("There is no parcel %(number)s. Check the parcel number on your bill.")
            % {"number": number},
            field="parcel_number",
        )
    # Every bill is checked (in constant time each), so the time says nothing about which.
    matched = False
    for bill in parcel.bills.only("pk", "access_code"):
        matched |= bill.access_code_matches(access_code)
    if not matched:
        raise EBillRefused(
            _(
                "That access code is not on any bill of parcel %(number)s. It is printed on "
                "the bill, for example 1A2B-3C4D-5E6F."
            )
            % {"number": number},
            field="access_code",
        )
    if ParcelLink.objects.filter(user=user).count() >= MAX_LINKS_PER_ACCOUNT:
        raise EBillRefused(_("You have linked as many parcels as one account may."))
    try:
        with transaction.atomic():
            return ParcelLink.objects.create(user=user, parcel=parcel)
    except IntegrityError:
        raise EBillRefused(
            _("Parcel %(number)s is already linked to your account.") % {"number": number},
            field="parcel_number",
        ) from None


def parcel_unlink(*, link: ParcelLink) -> None:
    """Remove the link (and its other recipients): no more bills or reminders through it."""
    with transaction.atomic():
        link.delete()


def paperless_set(*, user, link_ids: list[int]) -> int:
    """Make exactly the links `link_ids` of `user` paperless, the rest by post.

    Ids of other people's links are ignored. Links already paperless keep their date.
    Returns how many links are paperless now.
    """
    now = timezone.now()
    with transaction.atomic():
        mine = ParcelLink.objects.filter(user=user)
        mine.filter(pk__in=link_ids, paperless_since__isnull=True).update(
            paperless_since=now, updated_at=now
        )
        mine.exclude(pk__in=link_ids).filter(paperless_since__isnull=False).update(
            paperless_since=None, updated_at=now
        )
        return mine.filter(paperless_since__isnull=False).count()


def recipient_add(
    *, link: ParcelLink, email: str, name: str = "", relationship: str = Relationship.SELF
) -> BillRecipient:
    """Send `link`'s bills and reminders to `email` too.

    Raises EBillRefused for the account's own address, an address already added, or more
    than MAX_RECIPIENTS_PER_LINK recipients.
    """
    email = email.strip().lower()
    if relationship not in Relationship.values:
        raise EBillRefused(_("Choose who this is."), field="relationship")
    if email == (link.user.email or "").lower():
        raise EBillRefused(
            _("That is your account's address: you get the bills and reminders already."),
            field="email",
        )
    with transaction.atomic():
        # The link locked, so two requests at once cannot both pass the count.
        ParcelLink.objects.select_for_update().filter(pk=link.pk).first()
        if link.recipients.count() >= MAX_RECIPIENTS_PER_LINK:
            raise EBillRefused(
                _("A parcel can have at most %(count)s other recipients.")
                % {"count": MAX_RECIPIENTS_PER_LINK}
            )
        try:
            with transaction.atomic():
                return BillRecipient.objects.create(
                    link=link, email=email, name=name.strip(), relationship=relationship
                )
        except IntegrityError:
            raise EBillRefused(
                _("%(email)s already receives this parcel's bills.") % {"email": email},
                field="email",
            ) from None


def recipient_remove(*, recipient: BillRecipient) -> None:
    with transaction.atomic():
        recipient.delete()
