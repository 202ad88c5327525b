"""E-bills: link a parcel to an account, go paperless, name other recipients.

Linking proves the resident holds one of the parcel's bills: they type the access code
printed on it. Attempts are counted per account (and a wrong code counts like any other), so
an account cannot try codes faster than the public look-up allows a visitor to.

Another recipient is sent one message, the confirmation (`CONFIRM_TEMPLATE`, in the linking
resident's language), and nothing else until they follow its link: anyone with a linked
parcel could otherwise make the portal mail an owner's name and amounts to any address. The
links are signed with SECRET_KEY, each kind with its own salt: the confirm link carries the
recipient's id and expires after TAXES_RECIPIENT_CONFIRM_DAYS; the stop link, in every
message to a recipient, removes them without signing in and does not expire (it can only
take them off).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notification_send
from portal.ratelimit import allow
from taxes.exceptions import EBillRateLimited, EBillRefused
from taxes.models import BillRecipient, Parcel, ParcelLink, Relationship
from taxes.models.ebills import MAX_RECIPIENTS_PER_LINK

LINK_WINDOW_SECONDS = 15 * 60
MAX_LINKS_PER_ACCOUNT = 500
CONFIRM_TEMPLATE = "taxes/recipient_confirm"
_CONFIRM_SALT = "taxes.recipient-confirm"
_STOP_SALT = "taxes.recipient-stop"


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
    """Send `link`'s bills and reminders to `email` too, once the address confirms: it is
    sent the confirmation message now (after commit), and nothing else until then.

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
                recipient = BillRecipient.objects.create(
                    link=link, email=email, name=name.strip(), relationship=relationship
                )
        except IntegrityError:
            raise EBillRefused(
                _("%(email)s already receives this parcel's bills.") % {"email": email},
                field="email",
            ) from None
        _confirmation_send(recipient, attempt=0)
        return recipient


def recipient_remove(*, recipient: BillRecipient) -> None:
    with transaction.atomic():
        recipient.delete()


def recipient_confirm_token(recipient: BillRecipient) -> str:
    """The token of the link that confirms `recipient`'s address."""
    return signing.dumps(recipient.pk, salt=_CONFIRM_SALT)


def recipient_stop_token(recipient: BillRecipient) -> str:
    """The token of the link, in every message to `recipient`, that removes them."""
    return signing.dumps(recipient.pk, salt=_STOP_SALT)


def recipient_stop_url(recipient_id: int) -> str:
    token = signing.dumps(int(recipient_id), salt=_STOP_SALT)
    return settings.SITE_URL + reverse("taxes:recipient_stop", kwargs={"token": token})


def _recipient_id(token: str, *, salt: str, max_age=None) -> int:
    """The recipient id signed in `token`; EBillRefused, with words for the page, if the
    token is not one we signed with `salt` or is past `max_age`."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise EBillRefused(
            _(
                "This link has expired. Ask the person who added your address to send a "
                "new one from their account."
            )
        ) from None
    except signing.BadSignature:
        value = None
    if not isinstance(value, int) or isinstance(value, bool):
        raise EBillRefused(
            _("This link is not valid. Copy the whole link from the message and try again.")
        )
    return value


def recipient_for_confirm_token(token: str) -> BillRecipient:
    """The recipient `token` confirms; EBillRefused if the link is forged, expired, or its
    recipient was removed."""
    max_age = timedelta(days=settings.TAXES_RECIPIENT_CONFIRM_DAYS)
    recipient_id = _recipient_id(token, salt=_CONFIRM_SALT, max_age=max_age)
    recipient = BillRecipient.objects.select_related("link__parcel").filter(pk=recipient_id).first()
    if recipient is None:
        raise EBillRefused(_("This address no longer receives the bills: nothing to confirm."))
    return recipient


def recipient_confirm(*, token: str) -> BillRecipient:
    """Confirm the recipient `token` names; confirming again keeps the first date.
    Raises EBillRefused as `recipient_for_confirm_token` does."""
    recipient = recipient_for_confirm_token(token)
    now = timezone.now()
    with transaction.atomic():
        BillRecipient.objects.filter(pk=recipient.pk, confirmed_at__isnull=True).update(
            confirmed_at=now, updated_at=now
        )
        confirmed = BillRecipient.objects.select_related("link__parcel").filter(pk=recipient.pk)
        recipient = confirmed.first()
    if recipient is None:  # removed in between
        raise EBillRefused(_("This address no longer receives the bills: nothing to confirm."))
    return recipient


def recipient_for_stop_token(token: str) -> BillRecipient | None:
    """The recipient `token` stops (None: removed already); EBillRefused if forged."""
    recipient_id = _recipient_id(token, salt=_STOP_SALT)
    return BillRecipient.objects.select_related("link__parcel").filter(pk=recipient_id).first()


def recipient_stop(*, token: str) -> BillRecipient | None:
    """Remove the recipient `token` names (its stop link): no more messages to them. Returns
    the removed recipient, or None if it was removed already. EBillRefused if forged."""
    recipient_id = _recipient_id(token, salt=_STOP_SALT)
    with transaction.atomic():
        recipient = (
            BillRecipient.objects.select_for_update()
            .select_related("link__parcel")
            .filter(pk=recipient_id)
            .first()
        )
        if recipient is not None:
            recipient.delete()
    return recipient


def recipient_confirmation_resend(*, recipient: BillRecipient) -> None:
    """Send the confirmation message again to a recipient still waiting for it.

    Raises EBillRefused if the address is confirmed already, EBillRateLimited past
    TAXES_RECIPIENT_CONFIRM_RESENDS_PER_HOUR for this recipient."""
    if recipient.confirmed_at is not None:
        raise EBillRefused(_("%(email)s is confirmed already.") % {"email": recipient.email})
    key = f"taxes:recipient-resend:{recipient.pk}"
    limit = settings.TAXES_RECIPIENT_CONFIRM_RESENDS_PER_HOUR
    if not allow(key, limit=limit, window_seconds=3600):
        raise EBillRateLimited(
            _("The confirmation was sent again a short while ago. Please wait an hour.")
        )
    with transaction.atomic():
        _confirmation_send(recipient, attempt=timezone.now().timestamp())


def _confirmation_send(recipient: BillRecipient, *, attempt) -> None:
    """Queue the confirmation message to `recipient`'s address, e-mail only, in the linking
    resident's language (the site's if they chose none)."""
    link = recipient.link
    owner = link.user
    confirm_url = settings.SITE_URL + reverse(
        "taxes:recipient_confirm", kwargs={"token": recipient_confirm_token(recipient)}
    )
    notification_send(
        template_key=CONFIRM_TEMPLATE,
        context={
            "recipient_name": recipient.name,
            "owner_name": owner.get_full_name(),  # never their e-mail address
            "parcel_number": link.parcel.number,
            "confirm_url": confirm_url,
            "confirm_days": settings.TAXES_RECIPIENT_CONFIRM_DAYS,
            "recipient_id": recipient.pk,
        },
        dedupe_key=f"taxes:recipient-confirm:{recipient.pk}:{attempt}",
        email=recipient.email,
        channels=["email"],
        language=getattr(owner, "preferred_language", "") or settings.LANGUAGE_CODE,
    )
