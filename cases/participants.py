"""A case's people: its applicant, followers and the roles its workflow declares.

Each `Participant` is one person in one role on one case: an account, or a guest's e-mail
address and/or phone number with the language to write to them in. The roles, what each
reads and who is told of what are declared by the workflow (cases/participation.py);
`cases.notices` tells exactly the participants an event concerns.

- The applicant row is written by `case_create` (the resident, or the guest's address) and
  follows the case when a guest's address is claimed by an account (cases/claims.py).
- Others join with `participant_add`. A role that needs confirmation (a follower, a
  contractor) is pending when the address is only typed in: anyone can type anyone's
  address, so until its owner opens the link the service sends there, the participant is
  told nothing. A signed-in person with a verified e-mail address is confirmed at once.
- `participant_confirm` confirms a pending participant; `participant_remove` takes a person
  out of a role.

The database holds one person in one role once per case (by account, by e-mail address
case-insensitively, and by phone number), at most one applicant per case, a participant
reachable one way or another, and never both an account and guest addresses on one row.
Every write locks the case row first (the lock `cases.services.transition` takes before it
tells participants), so nobody joins between a status change and the messages about it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from cases.events import PARTICIPANTS, PUBLIC, STAFF
from cases.participation import APPLICANT, CORE_ROLES, ParticipantRole
from portal.languages import LanguageField, language_tag_constraint

logger = logging.getLogger(__name__)

# How long a pending participant's confirmation link works; a request older than this is
# replaced (with a new link) when the same person asks again.
CONFIRM_MAX_AGE = datetime.timedelta(days=7)


class Participant(models.Model):
    """One person in one role on a case: an account, or a guest's address and language."""

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    # One of the roles the case's workflow has (cases/participation.py), checked in code.
    role = models.CharField(_("role"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="case_participations",
    )
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    # The language a guest asked in; an account's preferred language wins for an account.
    language = LanguageField(_("language"))
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    # Empty while the owner of the address has not opened the link sent there (roles that
    # need confirmation): a pending participant is told nothing but that link.
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__regex=r"^[a-z][a-z0-9_]{1,19}$"),
                name="cases_participant_role_format",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(email="") | ~Q(phone=""),
                name="cases_participant_reachable",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(email="", phone=""),
                name="cases_participant_account_or_guest",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(role="applicant"),
                name="cases_participant_one_applicant",
            ),
            models.UniqueConstraint(
                fields=["case", "role", "user"],
                condition=Q(user__isnull=False),
                name="cases_participant_user_once",
            ),
            models.UniqueConstraint(
                F("case"),
                F("role"),
                Lower("email"),
                condition=~Q(email=""),
                name="cases_participant_email_once",
            ),
            models.UniqueConstraint(
                fields=["case", "role", "phone"],
                condition=~Q(phone=""),
                name="cases_participant_phone_once",
            ),
            language_tag_constraint("language", name="cases_participant_language_tag"),
        ]
        indexes = [
            models.Index(fields=["case", "role"], name="cases_participant_case_role"),
            models.Index(fields=["user"], name="cases_participant_user"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.role} {self.pk}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def address(self) -> str:
        """Where the person is reached, for staff: the account's e-mail or the guest's."""
        if self.user_id is not None:
            return self.user.email
        return self.email or str(self.phone)


# --- Roles -------------------------------------------------------------------------------------


def roles_of(case) -> dict[str, ParticipantRole]:
    """The roles people may hold on `case`: the engine's and its workflow's."""
    workflow = case.workflow
    return workflow.participation.all_roles if workflow is not None else dict(CORE_ROLES)


def may_read(role: ParticipantRole, audience: str) -> bool:
    """Whether a holder of `role` may read an event for `audience`: never staff's, and only
    public ones for a role that reads the public page (a follower)."""
    if audience == STAFF:
        return False
    return audience == PUBLIC or role.reads == PARTICIPANTS


# --- Reads -------------------------------------------------------------------------------------


def participants_of(*, case, role: str | None = None, confirmed: bool | None = None):
    """The people on `case` (in `role` only, if given; only confirmed or only pending ones,
    if `confirmed` is given), with their accounts, in the order they joined."""
    people = Participant.objects.filter(case=case).select_related("user")
    if role is not None:
        people = people.filter(role=role)
    if confirmed is not None:
        people = people.filter(confirmed_at__isnull=not confirmed)
    return people.order_by("created_at", "id")


def participants_told(*, case, kind: str, audience: str) -> list[tuple[Participant, str]]:
    """Who is told of an event of `kind` for `audience` on `case`, each with the message
    template their role gets: the confirmed participants of the roles the workflow tells of
    `kind` (cases/participation.py), without those whose role may not read the event (a
    follower is never told of a private event). A person in two roles told of it (an
    applicant who is also the contractor) is told once, in the role they took first. In
    primary-key order, so transactions telling the same people lock their rows in the same
    order."""
    workflow = case.workflow
    if workflow is None:
        return []
    told = workflow.participation.told_of(kind)
    roles = workflow.participation.all_roles
    readers = {role for role in told if role in roles and may_read(roles[role], audience)}
    if not readers:
        return []
    people = (
        Participant.objects.filter(case=case, role__in=readers, confirmed_at__isnull=False)
        .select_related("user")
        .order_by("pk")
    )
    result, seen = [], set()
    for person in people:
        keys = (
            {("user", person.user_id)}
            if person.user_id is not None
            else {("email", person.email.lower()), ("phone", str(person.phone))}
            - {("email", ""), ("phone", "")}
        )
        if keys & seen:
            continue
        seen |= keys
        result.append((person, told[person.role]))
    return result


def participant_for_confirm_token(*, token: str) -> Participant:
    """The pending or confirmed participant a confirmation link names, with its case;
    Http404 if the link is forged or expired, or the participant is gone (removed, or
    replaced by a newer request)."""
    from django.core import signing
    from django.http import Http404

    from cases.tokens import participant_id_from_confirm_token

    try:
        participant_id = participant_id_from_confirm_token(token)
    except signing.BadSignature:
        raise Http404 from None
    participant = (
        Participant.objects.select_related("case", "user").filter(pk=participant_id).first()
    )
    if participant is None:
        raise Http404
    return participant


def is_participant(*, case, user, role: str) -> bool:
    """Whether the signed-in `user` holds `role` on `case` (confirmed or not)."""
    if user is None or not user.is_authenticated:
        return False
    return Participant.objects.filter(case=case, role=role, user=user).exists()


def _lookup(*, user, email: str, phone: str) -> dict:
    if user is not None:
        return {"user": user}
    if email:
        return {"email__iexact": email}
    return {"phone": phone}


# --- Writes ------------------------------------------------------------------------------------


def _lock_case(case) -> None:
    from cases.models import Case

    Case.objects.select_for_update(no_key=True).filter(pk=case.pk).exists()


def _has_verified_address(user) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _current_language() -> str:
    from django.utils import translation

    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def applicant_participant_add(*, case) -> Participant | None:
    """Record `case`'s applicant (its account, or its guest's addresses) as its applicant
    participant, confirmed; None for an anonymous case. Called by `case_create` in its
    transaction."""
    if case.applicant_id is None and not case.guest_email and not case.guest_phone:
        return None
    guest = case.applicant_id is None
    return Participant.objects.create(
        case=case,
        role=APPLICANT,
        user_id=case.applicant_id,
        name="" if not guest else case.guest_name,
        email=case.guest_email if guest else "",
        phone=case.guest_phone if guest else "",
        language=case.language,
        created_at=case.created_at,
        confirmed_at=case.created_at,
    )


def participant_add(
    *,
    case,
    role: str,
    user=None,
    email: str = "",
    phone: str = "",
    name: str = "",
    language: str = "",
    send_confirmation: bool = True,
) -> Participant:
    """Put a person in `role` on `case`; return their participant row.

    A signed-in `user`, or a guest's `email` and/or `phone` (written to in `language`, the
    active language by default). In a role that needs confirmation, the participant is
    confirmed at once only when it is an account with a verified e-mail address; any other
    is pending, and is sent one message (`cases/participant_confirm`, in the same
    transaction) with the link that confirms it (`cases:participant_confirm`, which calls
    `participant_confirm`); a service with a confirmation page of its own passes
    `send_confirmation=False` and sends its own. Adding someone already in the role returns
    their row; a pending request older than CONFIRM_MAX_AGE is replaced by a new one (so a
    new link goes out).

    Raises ValueError for a role the case's workflow does not have, for the applicant (the
    case's own, written by `case_create`), or when there is nobody to tell.
    """
    roles = roles_of(case)
    if role not in roles or role == APPLICANT:
        raise ValueError(f"{role!r} is not a role people can be given on a {case.kind} case.")
    email = (email or "").strip()
    phone = str(phone or "").strip()
    if user is None and not email and not phone:
        raise ValueError("A participant needs an account, an e-mail address or a phone number.")
    if user is not None:
        email = phone = ""
    lookup = _lookup(user=user, email=email, phone=phone)
    confirmed = not roles[role].confirm or (user is not None and _has_verified_address(user))
    now = timezone.now()
    with transaction.atomic():
        _lock_case(case)
        existing = Participant.objects.filter(case=case, role=role, **lookup).first()
        if existing is not None:
            if existing.confirmed_at is not None or existing.created_at > now - CONFIRM_MAX_AGE:
                return existing
            existing.delete()
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    case=case,
                    role=role,
                    user=user,
                    name=(name or "").strip()[:150],
                    email=email,
                    phone=phone,
                    language=language or _current_language(),
                    created_at=now,
                    confirmed_at=now if confirmed else None,
                )
        except IntegrityError:
            # The same person joining at the same moment won the race, or a row in the role
            # holds the other address they gave: that row is theirs.
            match = Q(pk__in=[])
            for key, value in (("user", user), ("email__iexact", email), ("phone", phone)):
                if value:
                    match |= Q(**{key: value})
            return Participant.objects.filter(match, case=case, role=role).first()
        if participant.confirmed_at is None and send_confirmation:
            from cases.notices import notify_participant_confirm

            notify_participant_confirm(participant)
    logger.info("Participant %s added to case %s as %s", participant.pk, case.pk, role)
    return participant


def participants_copy(*, case, people: Iterable[Participant]) -> list[Participant]:
    """Give `case` the people of `people` (unsaved rows, e.g. another case's, with their role
    and confirmation); return the rows created. Someone already in that role on `case`
    keeps their row. The caller holds the lock of both cases."""
    rows = []
    for person in people:
        rows.append(
            Participant(
                case=case,
                role=person.role,
                user_id=person.user_id,
                name=person.name,
                email=person.email,
                phone=person.phone,
                language=person.language,
                created_at=person.created_at or timezone.now(),
                confirmed_at=person.confirmed_at,
            )
        )
    before = set(Participant.objects.filter(case=case).values_list("pk", flat=True))
    with transaction.atomic():
        Participant.objects.bulk_create(rows, ignore_conflicts=True)
    return list(participants_of(case=case).exclude(pk__in=before))


def participant_confirm(*, participant: Participant) -> Participant:
    """The owner of a pending participant's address opened the link sent there: tell them
    from now on. Confirming twice changes nothing. The caller has checked the link."""
    with transaction.atomic():
        _lock_case(participant.case)
        Participant.objects.filter(pk=participant.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
    participant.refresh_from_db()
    return participant


def participant_remove(*, case, role: str, user=None, email: str = "", phone: str = "") -> int:
    """Take a person out of `role` on `case`; return how many rows went (0 or 1). The
    applicant stays: a case always keeps whom it is for."""
    if role == APPLICANT:
        raise ValueError("The applicant cannot be removed from their own case.")
    email = (email or "").strip()
    phone = str(phone or "").strip()
    if user is None and not email and not phone:
        return 0
    lookup = _lookup(user=user, email=email, phone=phone)
    with transaction.atomic():
        _lock_case(case)
        deleted, _detail = Participant.objects.filter(case=case, role=role, **lookup).delete()
    return deleted


def participants_remove(*, case, role: str) -> int:
    """Take everyone out of `role` on `case` (a report merged into another); return how many."""
    if role == APPLICANT:
        raise ValueError("The applicant cannot be removed from their own case.")
    with transaction.atomic():
        _lock_case(case)
        deleted, _detail = Participant.objects.filter(case=case, role=role).delete()
    return deleted


def applicant_claimed(*, case_ids: Iterable[int], user) -> int:
    """The guest applicants of `case_ids` are now `user` (their address was verified):
    move their applicant rows to the account. Called by cases.claims in its transaction."""
    return Participant.objects.filter(
        case_id__in=list(case_ids), role=APPLICANT, user__isnull=True
    ).update(user=user, email="", phone="", name="")
