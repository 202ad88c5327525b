"""Guest links: scoped, expiring, revocable links to one case, invoice or any other row.

A guest (no account) reaches what is theirs through a link we send to their e-mail address
or phone: "follow your report", "pay this invoice", "renew your license". Every such link is
issued here, by `issue_link`, and read here, by `resolve_link`.

How a link is made and checked
------------------------------
* The token is 32 random bytes (`secrets.token_urlsafe`), shown once, in the message we
  send. Only its SHA-256 is stored (`GuestLink.token_hash`): a copy of the database, or of a
  backup, opens nothing. 256 random bits need no key stretching and no secret of ours.
* The row says what the link opens (a generic target: any model, so a booking can use it),
  for what (`scope`), until when (`expires_at`), for which address (`email`, `phone`: where
  a fresh link goes) and which page it opens (`page`, a URL name taking ``token``).
* A scope grants itself and, for every scope but `view`, seeing the target too (`GRANTS`):
  a pay link opens the invoice page, a view link never pays.
* Revocation is a timestamp and a reason (`revoked_at`, `revoked_reason`): the owner asked,
  a newer link superseded it, or the target now belongs to an account (claimed), in which
  case its page asks the visitor to sign in instead.
* A target that now belongs to an account refuses every guest link, old or new, whatever
  its row says (`register_target(..., is_claimed=...)`).

`resolve_link` returns a `ResolvedLink` or raises `LinkInvalid` (forged, unknown, wrong
scope or wrong kind of target: the page says the link does not work), `LinkExpired` or
`LinkRevoked` (the page says so and offers to send a fresh link to the address the link was
sent to, never to an address the visitor types; see `link_refresh`).

Links sent before this module
-----------------------------
Earlier links were stateless values signed with SECRET_KEY (django.core.signing), one salt
per scheme. Those already in people's mailboxes keep working until they expire: each app
registers its old format with `register_legacy_format` and `resolve_link` accepts a token in
it (they contain ``:``, which new tokens never do). They cannot be revoked one by one; they
stop when the target is claimed and when their old lifetime ends.

Unsubscribe links stay stateless (notifications/tokens.py): they must work forever, from
any old e-mail, for any number of messages, and the worst a leaked one does is stop e-mail
its owner can turn back on. A row per message, kept forever, would buy nothing there.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LinkScope(models.TextChoices):
    VIEW = "view", _("See")
    PAY = "pay", _("Pay")
    UPLOAD = "upload", _("Upload documents")
    CANCEL = "cancel", _("Cancel")
    RENEW = "renew", _("Renew")
    BOOK = "book", _("Book and change appointments")


# What a link of each scope may be used for: itself, and seeing its target.
GRANTS: dict[str, frozenset[str]] = {
    scope: frozenset({scope, LinkScope.VIEW}) for scope in LinkScope.values
}

# How long a link lasts when its issuer does not say. A case's own page gets a fresh link
# with every message about it, so three months is plenty; a lost link is one click away.
DEFAULT_TTL: dict[str, datetime.timedelta] = {
    LinkScope.VIEW: datetime.timedelta(days=90),
    LinkScope.PAY: datetime.timedelta(days=30),
    LinkScope.UPLOAD: datetime.timedelta(days=30),
    LinkScope.CANCEL: datetime.timedelta(days=30),
    LinkScope.RENEW: datetime.timedelta(days=120),
    LinkScope.BOOK: datetime.timedelta(days=60),
}

# A fresh link is sent at most once in this time per target, scope and address, however
# often someone presses the button on an old link's page.
REFRESH_INTERVAL = datetime.timedelta(minutes=10)


class RevokedReason(models.TextChoices):
    OWNER = "owner", _("The owner asked")
    SUPERSEDED = "superseded", _("A newer link replaced it")
    CLAIMED = "claimed", _("It now belongs to an account")
    STAFF = "staff", _("Staff withdrew it")


class GuestLink(models.Model):
    """One link we sent a guest: a hashed token opening one row, for one purpose, for a time."""

    RevokedReason = RevokedReason

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(_("scope"), max_length=16, choices=LinkScope.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    email = models.EmailField(_("sent to e-mail address"), blank=True)
    phone = models.CharField(_("sent to phone"), max_length=32, blank=True)
    page = models.CharField(_("page"), max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("why revoked"), max_length=16, choices=RevokedReason.choices, blank=True
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        app_label = "cases"
        verbose_name = _("guest link")
        verbose_name_plural = _("guest links")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=LinkScope.values), name="cases_guestlink_scope_known"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="cases_guestlink_expires_later"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="")
                | Q(revoked_at__isnull=False, revoked_reason__in=RevokedReason.values),
                name="cases_guestlink_revoked_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106 (a hash's shape)
                name="cases_guestlink_token_hash_sha256",
            ),
        ]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "scope"], name="cases_guestlink_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} link to {self.target_type_id}:{self.target_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class LinkError(Exception):
    """A guest link that opens nothing; `reason` says why, for the page that explains it."""

    def __init__(self, message: str = "", *, ticket: LinkTicket | None = None):
        super().__init__(message or self.__class__.__doc__)
        self.ticket = ticket


class LinkInvalid(LinkError):
    """Forged, unknown, cut short, or not a link for this page."""


class LinkExpired(LinkError):
    """The link's time is over."""


class LinkRevoked(LinkError):
    """The link was withdrawn (by its owner, by a newer link, or the target was claimed)."""

    def __init__(self, message: str = "", *, ticket: LinkTicket | None = None, reason: str = ""):
        super().__init__(message, ticket=ticket)
        self.reason = reason

    @property
    def claimed(self) -> bool:
        return self.reason == GuestLink.RevokedReason.CLAIMED


@dataclass(frozen=True)
class LinkTicket:
    """What a link (still working or not) was for: enough to issue a fresh one."""

    target_type_id: int
    target_id: int
    scope: str
    page: str
    email: str = ""
    phone: str = ""
    ttl: datetime.timedelta | None = None

    @property
    def can_refresh(self) -> bool:
        return bool(self.email or self.phone)


@dataclass(frozen=True)
class ResolvedLink:
    """A working link: its target, its scope, and its row (None for a link in an old format)."""

    target: models.Model
    scope: str
    token: str
    link: GuestLink | None

    def allows(self, scope: str) -> bool:
        return scope in GRANTS[self.scope]


@dataclass(frozen=True)
class IssuedLink:
    token: str
    link: GuestLink

    @property
    def path(self) -> str:
        return reverse(self.link.page, kwargs={"token": self.token})

    @property
    def url(self) -> str:
        return f"{settings.SITE_URL}{self.path}"


# --- What each kind of target says about itself ------------------------------------------


@dataclass(frozen=True)
class _TargetRules:
    is_claimed: Callable[[models.Model], bool]
    contact: Callable[[models.Model], tuple[str, str]]


_TARGETS: dict[str, _TargetRules] = {}


def register_target(
    model: type[models.Model],
    *,
    is_claimed: Callable[[models.Model], bool],
    contact: Callable[[models.Model], tuple[str, str]] = lambda target: ("", ""),
) -> None:
    """Declare how links to `model` behave: when its row belongs to an account (every guest
    link then refuses it, asking to sign in) and where its guest is reached (e-mail, phone)."""
    _TARGETS[model._meta.label_lower] = _TargetRules(is_claimed=is_claimed, contact=contact)


def _rules(model: type[models.Model]) -> _TargetRules:
    return _TARGETS.get(
        model._meta.label_lower, _TargetRules(lambda target: False, lambda target: ("", ""))
    )


# --- Links sent before this module --------------------------------------------------------


@dataclass(frozen=True)
class LegacyFormat:
    """A signed-link format of before, accepted until its links expire.

    `read(payload)` returns the target the signed value names, or None; `max_age(target)`
    how long a link of this format lived; `page` is the URL name a fresh link opens (or a
    function of the target giving it). `timestamp_signer` is for values signed with
    ``TimestampSigner.sign`` (a plain string) rather than ``signing.dumps``.
    """

    salt: str
    model: type[models.Model]
    scope: str
    page: str | Callable[[models.Model], str]
    read: Callable[[object], models.Model | None]
    max_age: Callable[[models.Model], datetime.timedelta]
    timestamp_signer: bool = False


_LEGACY: list[LegacyFormat] = []


def register_legacy_format(legacy: LegacyFormat) -> None:
    """Accept links signed in `legacy`'s format until they expire (idempotent per salt)."""
    if all(existing.salt != legacy.salt for existing in _LEGACY):
        _LEGACY.append(legacy)


def _unsign(legacy: LegacyFormat, token: str, max_age=None):
    """The value `token` signs in `legacy`'s format; BadSignature if it is not one."""
    try:
        if legacy.timestamp_signer:
            return signing.TimestampSigner(salt=legacy.salt).unsign(token, max_age=max_age)
        return signing.loads(token, salt=legacy.salt, max_age=max_age)
    except signing.BadSignature:
        raise
    except ValueError as error:  # signed by us, but not a value of this format
        raise signing.BadSignature(str(error)) from None


def _ticket_for(target: models.Model, *, scope: str, page, ttl=None) -> LinkTicket:
    email, phone = _rules(type(target)).contact(target)
    return LinkTicket(
        target_type_id=ContentType.objects.get_for_model(type(target)).pk,
        target_id=target.pk,
        scope=scope,
        page=page(target) if callable(page) else page,
        email=email or "",
        phone=phone or "",
        ttl=ttl,
    )


def _resolve_legacy(token: str, scope: str, model) -> ResolvedLink:
    for legacy in _LEGACY:
        if model is not None and legacy.model is not model:
            continue
        try:
            payload = _unsign(legacy, token)
        except signing.BadSignature:
            continue
        if scope not in GRANTS[legacy.scope]:
            raise LinkInvalid
        target = legacy.read(payload)
        if target is None:
            raise LinkInvalid
        ticket = _ticket_for(target, scope=legacy.scope, page=legacy.page)
        if _rules(type(target)).is_claimed(target):
            raise LinkRevoked(ticket=ticket, reason=GuestLink.RevokedReason.CLAIMED)
        try:
            _unsign(legacy, token, max_age=legacy.max_age(target))
        except signing.SignatureExpired:
            raise LinkExpired(ticket=ticket) from None
        return ResolvedLink(target=target, scope=legacy.scope, token=token, link=None)
    raise LinkInvalid


# --- Issuing, reading, revoking -----------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(
    target: models.Model,
    scope: str,
    *,
    page: str,
    email: str = "",
    phone: str = "",
    ttl: datetime.timedelta | None = None,
    supersede: bool = False,
) -> IssuedLink:
    """Issue a link opening `page` (a URL name taking ``token``) on `target` for `scope`.

    `email`/`phone` is where the link is sent (and where a fresh one would go); `ttl`
    defaults to the scope's DEFAULT_TTL. With `supersede`, the target's earlier working
    links of the same scope and address stop working. The token is returned once, here;
    only its hash is kept. Raises ValueError for an unknown scope or an unsaved target.
    """
    if scope not in LinkScope.values:
        raise ValueError(f"Unknown link scope: {scope!r}")
    if target.pk is None:
        raise ValueError("A link needs a saved target.")
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    target_type = ContentType.objects.get_for_model(type(target))
    with transaction.atomic():
        if supersede:
            GuestLink.objects.filter(
                target_type=target_type,
                target_id=target.pk,
                scope=scope,
                email=email,
                phone=phone,
                revoked_at__isnull=True,
            ).update(revoked_at=now, revoked_reason=GuestLink.RevokedReason.SUPERSEDED)
        link = GuestLink.objects.create(
            token_hash=_hash(token),
            scope=scope,
            target_type=target_type,
            target_id=target.pk,
            email=email or "",
            phone=str(phone or ""),
            page=page,
            created_at=now,
            expires_at=now + (ttl if ttl is not None else DEFAULT_TTL[scope]),
        )
    return IssuedLink(token=token, link=link)


def resolve_link(token: str, scope: str, *, model: type[models.Model]) -> ResolvedLink:
    """The `model` row `token` opens for `scope`.

    Raises LinkInvalid (forged, unknown, another kind of target, or a scope that does not
    grant `scope`: a view link cannot pay), LinkExpired or LinkRevoked (both carrying a
    `ticket` to send a fresh link with). Accepts the registered formats of before.
    """
    if not isinstance(token, str) or not token or len(token) > 512 or "\x00" in token:
        raise LinkInvalid
    if ":" in token:
        return _resolve_legacy(token, scope, model)
    link = GuestLink.objects.select_related("target_type").filter(token_hash=_hash(token)).first()
    if link is None or link.target_type.model_class() is not model:
        raise LinkInvalid
    if scope not in GRANTS[link.scope]:
        raise LinkInvalid
    ticket = LinkTicket(
        target_type_id=link.target_type_id,
        target_id=link.target_id,
        scope=link.scope,
        page=link.page,
        email=link.email,
        phone=link.phone,
        ttl=link.expires_at - link.created_at,
    )
    if link.revoked_at is not None:
        raise LinkRevoked(ticket=ticket, reason=link.revoked_reason)
    if link.is_expired:
        raise LinkExpired(ticket=ticket)
    target = model._default_manager.filter(pk=link.target_id).first()
    if target is None:
        raise LinkInvalid
    if _rules(model).is_claimed(target):
        raise LinkRevoked(ticket=ticket, reason=GuestLink.RevokedReason.CLAIMED)
    GuestLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
    return ResolvedLink(target=target, scope=link.scope, token=token, link=link)


def links_revoke(*, target: models.Model, reason: str, scope: str | None = None, now=None) -> int:
    """Stop every working link to `target` (of `scope`, or all); return how many stopped."""
    if reason not in GuestLink.RevokedReason.values:
        raise ValueError(f"Unknown reason: {reason!r}")
    links = GuestLink.objects.filter(
        target_type=ContentType.objects.get_for_model(type(target)),
        target_id=target.pk,
        revoked_at__isnull=True,
    )
    if scope is not None:
        links = links.filter(scope=scope)
    return links.update(revoked_at=now or timezone.now(), revoked_reason=reason)


def link_ticket(token: str) -> LinkTicket | None:
    """What `token` was for, whatever its state, or None if it is not a link of ours."""
    if not isinstance(token, str) or not token or len(token) > 512 or "\x00" in token:
        return None
    if ":" not in token:
        link = GuestLink.objects.filter(token_hash=_hash(token)).first()
        if link is None:
            return None
        return LinkTicket(
            target_type_id=link.target_type_id,
            target_id=link.target_id,
            scope=link.scope,
            page=link.page,
            email=link.email,
            phone=link.phone,
            ttl=link.expires_at - link.created_at,
        )
    for legacy in _LEGACY:
        try:
            payload = _unsign(legacy, token)
        except signing.BadSignature:
            continue
        target = legacy.read(payload)
        if target is None:
            return None
        return _ticket_for(target, scope=legacy.scope, page=legacy.page)
    return None


def link_refresh(*, token: str, language: str = "") -> bool:
    """Send a fresh link in place of `token`, which no longer works, to where it was sent.

    Only ever to the address on the old link (or, for a link of before, the target's own
    guest address), never to one the visitor gives, so a found or leaked link yields nothing
    new. At most one fresh link per target, scope and address every REFRESH_INTERVAL.
    Returns False when there is nothing to send (not our link, still working, claimed by an
    account, or nowhere to send it).
    """
    ticket = link_ticket(token)
    if ticket is None or not ticket.can_refresh:
        return False
    model = ContentType.objects.get_for_id(ticket.target_type_id).model_class()
    try:
        resolve_link(token, ticket.scope, model=model)
    except (LinkExpired, LinkRevoked) as error:
        if isinstance(error, LinkRevoked) and error.claimed:
            return False
    except LinkError:
        return False
    else:
        return False
    target = model._default_manager.filter(pk=ticket.target_id).first()
    if target is None:
        return False
    now = timezone.now()
    with transaction.atomic():
        recent = GuestLink.objects.filter(
            target_type_id=ticket.target_type_id,
            target_id=ticket.target_id,
            scope=ticket.scope,
            email=ticket.email,
            phone=ticket.phone,
            revoked_at__isnull=True,
            created_at__gte=now - REFRESH_INTERVAL,
        )
        if recent.exists():
            return True
        _send_fresh(target, ticket, language=language)
    return True


def links_replace(*, token: str, language: str = "") -> bool:
    """The owner's "stop this link working": revoke every link to what `token` opens and
    send one new link to where `token` was sent.

    For a holder who shared or forwarded a link by mistake. `token` must still work. Links
    of before cannot be stopped one by one (they hold no row); they end when they expire.
    Returns False if `token` does not work or there is nowhere to send a new link.
    """
    ticket = link_ticket(token)
    if ticket is None or not ticket.can_refresh:
        return False
    model = ContentType.objects.get_for_id(ticket.target_type_id).model_class()
    try:
        target = resolve_link(token, ticket.scope, model=model).target
    except LinkError:
        return False
    with transaction.atomic():
        links_revoke(target=target, reason=RevokedReason.OWNER)
        _send_fresh(target, ticket, language=language)
    return True


def _send_fresh(target: models.Model, ticket: LinkTicket, *, language: str) -> IssuedLink:
    from notifications.services import notification_send

    issued = issue_link(
        target,
        ticket.scope,
        page=ticket.page,
        email=ticket.email,
        phone=ticket.phone,
        ttl=ticket.ttl,
    )
    notification_send(
        template_key="cases/fresh_link",
        context={
            "link": issued.url,
            "scope": ticket.scope,
            "days": max(1, (issued.link.expires_at - issued.link.created_at).days),
        },
        dedupe_key=f"cases.fresh-link:{issued.link.pk}",
        email=ticket.email,
        phone=ticket.phone,
        channels=["email", "sms"],
        link_url=issued.url,
        language=language,
    )
    return issued
