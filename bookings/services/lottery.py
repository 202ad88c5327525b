"""Lotteries: slots released on a set date go to a fair draw among requests, not to whoever
clicks (or scripts) first.

During the lottery's window people **request** slots of its days (`lottery_request`):
requests, not holds, so nothing is taken before the draw, and first-come holds of those days
are refused until then (`bookings.selectors_release.lottery_refusal`). When the window has
closed, `lottery_draw` runs once, in one transaction with the lottery and its requests
locked:

1. the households that requested (an account, or a guest's e-mail address) are put in a
   random order from a seed, which is recorded with the draw (`Lottery.seed`) so anyone
   auditing it can replay the order: the households sorted by key, shuffled by
   `random.Random(seed)`. A household's chance does not grow with the number of its requests;
2. slots are granted in rounds, in that order and its reverse on alternate rounds (a snake,
   so the first household is not first every round): each household's next request by its
   own preference, if the slot is still free and the household is under the lottery's limit
   (and the facility's own household limits); a grant is a hold through `booking_hold` (the
   exclusion constraint still decides) lasting the lottery's `pay_hours`;
3. every request not granted is marked not drawn; winners get a link to pay each slot, and
   households granted nothing are told.

A second draw of a drawn lottery changes nothing and returns the first draw's outcome.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.availability import MINUTE, calendar_for, rule_refusal
from bookings.exceptions import HoldRefused, SlotTaken
from bookings.households import household_refusal
from bookings.models import Lottery, LotteryRequest, LotteryRequestStatus, household_key
from bookings.services.holds import booking_hold
from bookings.services.waitlist import offer_url
from cases.links import LinkScope, issue_link
from notifications.services import notification_send
from portal.localized import localized

# The most slots one household may request in one lottery.
MAX_REQUESTS = 10
WITHDRAW_PAGE = "bookings:guest_lottery_withdraw"


class LotteryRefused(Exception):
    """The request (or the draw) cannot be made; the message says why."""


@dataclass(frozen=True)
class DrawOutcome:
    seed: str
    order: list[str]  # household keys, in the drawn order
    granted: list[int]  # request ids granted
    not_drawn: list[int]  # request ids not granted


def lottery_request(
    *,
    lottery: Lottery,
    start: datetime.datetime,
    minutes: int,
    user=None,
    name: str = "",
    email: str = "",
    resident: bool = True,
    now: datetime.datetime | None = None,
) -> LotteryRequest:
    """Request a slot of `lottery` for an account (`user`) or a guest (`name`, `email`).

    The window must be open, the slot one of the lottery's days that the facility's rules
    allow (judged as at the draw), and the household under MAX_REQUESTS. The household is
    told by e-mail, with the link to withdraw the request before the draw. Raises
    LotteryRefused with the reason; nothing is written then.
    """
    now = now or timezone.now()
    if lottery.drawn or now >= lottery.closes_at:
        raise LotteryRefused(_("Requests for this lottery are closed."))
    if now < lottery.opens_at:
        raise LotteryRefused(_("Requests for this lottery are not open yet."))
    if not isinstance(start, datetime.datetime) or start.tzinfo is None:
        raise LotteryRefused(_("Choose a start time from the list."))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise LotteryRefused(_("Choose a length from the list."))
    facility = lottery.facility
    if not facility.published:
        raise LotteryRefused(_("This facility cannot be booked online."))
    if user is None:
        name, email = (name or "").strip(), (email or "").strip()
        if not name:
            raise LotteryRefused(_("Enter your name."))
        try:
            validate_email(email)
        except ValidationError:
            raise LotteryRefused(_("Enter a valid e-mail address.")) from None
    day = timezone.localtime(start, facility.time_zone).date()
    if not lottery.first_day <= day <= lottery.last_day:
        raise LotteryRefused(_("This lottery does not release that day."))
    refusal = rule_refusal(
        facility=facility,
        start=start,
        minutes=minutes,
        now=max(now, lottery.closes_at),
        calendar=calendar_for(facility=facility, first=day, last=day),
    )
    if refusal:
        raise LotteryRefused(refusal)
    key = household_key(user=user, email=email)
    try:
        with transaction.atomic():
            # The lottery's row serializes a household's requests (their count, their order).
            Lottery.objects.select_for_update().get(pk=lottery.pk)
            mine = LotteryRequest.objects.filter(lottery=lottery, household_key=key).exclude(
                status=LotteryRequestStatus.WITHDRAWN
            )
            if mine.count() >= MAX_REQUESTS:
                raise LotteryRefused(
                    _("You can request at most %(count)d times in this lottery.")
                    % {"count": MAX_REQUESTS}
                )
            made = LotteryRequest.objects.create(
                lottery=lottery,
                period=DateTimeTZRange(start, start + minutes * MINUTE, "[)"),
                user=user,
                guest_name=name if user is None else "",
                guest_email=email if user is None else "",
                resident=resident,
                household_key=key,
                preference=mine.count() + 1,
            )
            _notify_requested(made)
            return made
    except IntegrityError:
        raise LotteryRefused(_("You have already requested this time.")) from None


def lottery_request_withdraw(
    *, request: LotteryRequest, now: datetime.datetime | None = None
) -> bool:
    """Withdraw `request` before the draw; returns whether it was still in the lottery.

    The lottery's row is locked, as the draw and new requests lock it, so a withdrawal and
    the draw never cross. Raises LotteryRefused once the window has closed (or the lottery
    was drawn); nothing changes then. Safe to repeat: a request withdrawn changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lottery = Lottery.objects.select_for_update().get(pk=request.lottery_id)
        if lottery.drawn or now >= lottery.closes_at:
            raise LotteryRefused(
                _("The lottery's window has closed: requests can no longer change.")
            )
        return bool(
            LotteryRequest.objects.filter(
                pk=request.pk, status=LotteryRequestStatus.REQUESTED
            ).update(status=LotteryRequestStatus.WITHDRAWN, updated_at=now)
        )


def withdraw_url(request: LotteryRequest) -> str:
    """The absolute link to withdraw `request`: the account's page, or a guest link that
    works until a day after the window closes."""
    if request.user_id is not None:
        return settings.SITE_URL + reverse("bookings:lottery_withdraw", kwargs={"pk": request.pk})
    issued = issue_link(
        request,
        LinkScope.CANCEL,
        page=WITHDRAW_PAGE,
        email=request.guest_email,
        ttl=max(request.lottery.closes_at - timezone.now(), datetime.timedelta(0))
        + datetime.timedelta(days=1),
    )
    return issued.url


def _notify_requested(request: LotteryRequest) -> None:
    """Tell the household its request is in, with the link to withdraw it."""
    link = withdraw_url(request)
    notification_send(
        template_key="bookings/lottery_requested",
        context={
            "facility": localized(request.lottery.facility, "name"),
            "starts_at": request.starts_at.isoformat(),
            "ends_at": request.ends_at.isoformat(),
            "closes_at": request.lottery.closes_at.isoformat(),
            "guest_name": request.guest_name,
            "link": link,
        },
        dedupe_key=f"bookings.lottery:{request.lottery_id}:requested:{request.pk}",
        user=request.user,
        email=request.guest_email if request.user_id is None else "",
        link_url=link,
    )


def draw_order(*, households, seed: str) -> list[str]:
    """The households in the order `seed` draws them (sorted first, so the order depends on
    the seed and the set of households only)."""
    order = sorted(set(households))
    # Not a secret, a fair order anyone can replay from the recorded seed.
    random.Random(seed).shuffle(order)
    return order


def allocate(*, order: list, queues: dict[str, list], limit: int, grant) -> dict[str, int]:
    """Grant requests household by household in `order`, one per household per round, the
    order reversed on alternate rounds (a snake), each household's requests tried in its own
    order until `grant(request)` says yes; never more than `limit` per household. Returns
    how many each household was granted.
    """
    queues = {key: list(queues.get(key, [])) for key in order}
    granted = dict.fromkeys(order, 0)
    rounds = 0
    while any(queues[key] and granted[key] < limit for key in order):
        for key in order if rounds % 2 == 0 else reversed(order):
            while queues[key] and granted[key] < limit:
                if grant(queues[key].pop(0)):
                    granted[key] += 1
                    break
        rounds += 1
    return granted


def lottery_draw(
    *, lottery: Lottery, seed: str | None = None, now: datetime.datetime | None = None
) -> DrawOutcome:
    """Draw `lottery` once its window has closed (see the module docstring).

    Idempotent: a drawn lottery is left as it is and its outcome returned. Raises
    LotteryRefused while the window is open. `seed` is for tests and replays; by default a
    fresh random one, recorded.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lottery = Lottery.objects.select_for_update().select_related("facility").get(pk=lottery.pk)
        if lottery.drawn:
            return _outcome(lottery)
        if now < lottery.closes_at:
            raise LotteryRefused(_("The lottery's window is still open."))
        # Drawn first: from here the lottery's days may be held, by this draw's grants.
        lottery.seed = seed or secrets.token_hex(16)
        lottery.drawn_at = now
        lottery.save(update_fields=["seed", "drawn_at", "updated_at"])
        # Locked in primary-key order, as everything that locks several requests does.
        requests = list(
            LotteryRequest.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(lottery=lottery, status=LotteryRequestStatus.REQUESTED)
            .order_by("pk")
        )
        order = draw_order(households=(r.household_key for r in requests), seed=lottery.seed)
        queues: dict[str, list[LotteryRequest]] = defaultdict(list)
        for request in sorted(requests, key=lambda r: (r.preference, r.pk)):
            queues[request.household_key].append(request)
        position = {key: index for index, key in enumerate(order, start=1)}
        notes: dict[int, str] = {}

        def grant(request: LotteryRequest) -> bool:
            refusal = _grant(lottery, request, now=now)
            if refusal:
                notes[request.pk] = refusal
            return not refusal

        allocate(order=order, queues=queues, limit=lottery.household_limit, grant=grant)
        for request in requests:
            request.draw_position = position[request.household_key]
            request.updated_at = now
            if request.status != LotteryRequestStatus.GRANTED:
                request.status = LotteryRequestStatus.NOT_DRAWN
                request.note = notes.get(request.pk, _("Not drawn."))[:300]
        LotteryRequest.objects.bulk_update(
            requests, ["draw_position", "status", "note", "booking", "updated_at"]
        )
        _notify_outcome(lottery, requests)
    return _outcome(lottery)


def _grant(lottery: Lottery, request: LotteryRequest, *, now) -> str:
    """Hold `request`'s slot for its household until the deadline to pay; "" when granted,
    else why not."""
    facility = lottery.facility
    start = request.starts_at
    minutes = int((request.ends_at - start) / MINUTE)
    refusal = household_refusal(
        facility=facility,
        user=request.user,
        email=request.guest_email,
        start=start,
        minutes=minutes,
        now=now,
    )
    if refusal:
        return refusal
    deadline = min(now + lottery.pay_hours * 60 * MINUTE, start - facility.lead_minutes * MINUTE)
    try:
        booking = booking_hold(
            facility=facility,
            start=start,
            minutes=minutes,
            holder_key=secrets.token_urlsafe(24),
            user=request.user,
            resident=request.resident,
            now=now,
            hold_until=deadline,
        )
    except SlotTaken:
        return _("Another household was drawn for this time.")
    except HoldRefused as error:
        return str(error)
    if request.user_id is None:
        booking.guest_name, booking.guest_email = request.guest_name, request.guest_email
        booking.save(update_fields=["guest_name", "guest_email", "updated_at"])
    request.status, request.booking, request.note = LotteryRequestStatus.GRANTED, booking, ""
    request.updated_at = now
    return ""


def _outcome(lottery: Lottery) -> DrawOutcome:
    rows = list(lottery.requests.exclude(status=LotteryRequestStatus.WITHDRAWN).order_by("pk"))
    return DrawOutcome(
        seed=lottery.seed,
        order=draw_order(households=(r.household_key for r in rows), seed=lottery.seed),
        granted=[r.pk for r in rows if r.status == LotteryRequestStatus.GRANTED],
        not_drawn=[r.pk for r in rows if r.status == LotteryRequestStatus.NOT_DRAWN],
    )


def lotteries_draw_due(*, now: datetime.datetime | None = None) -> int:
    """Draw every lottery whose window has closed and that is not drawn; returns how many."""
    now = now or timezone.now()
    due = Lottery.objects.filter(drawn_at__isnull=True, closes_at__lte=now).values_list(
        "pk", flat=True
    )
    count = 0
    for pk in list(due):
        lottery_draw(lottery=Lottery(pk=pk), now=now)
        count += 1
    return count


def _notify_outcome(lottery: Lottery, requests: list[LotteryRequest]) -> None:
    facility = localized(lottery.facility, "name")
    households_granted = {r.household_key for r in requests if r.booking_id is not None}
    told = set()
    for request in requests:
        who = {
            "user": request.user,
            "email": request.guest_email if request.user_id is None else "",
        }
        context = {
            "facility": facility,
            "starts_at": request.starts_at.isoformat(),
            "ends_at": request.ends_at.isoformat(),
            "guest_name": request.guest_name,
        }
        if request.status == LotteryRequestStatus.GRANTED:
            booking = request.booking
            link = offer_url(booking, until=booking.hold_expires_at)
            notification_send(
                template_key="bookings/lottery_granted",
                context={
                    **context,
                    "reference": booking.reference,
                    "deadline": booking.hold_expires_at.isoformat(),
                    "link": link,
                },
                dedupe_key=f"bookings.lottery:{lottery.pk}:granted:{request.pk}",
                link_url=link,
                **who,
            )
        elif request.household_key not in households_granted | told:
            told.add(request.household_key)
            notification_send(
                template_key="bookings/lottery_not_drawn",
                context=context,
                dedupe_key=f"bookings.lottery:{lottery.pk}:not-drawn:{request.pk}",
                **who,
            )
