"""Claims: what guests left under an e-mail address becomes its owner's when they verify it.

A guest reports a pothole, pays an invoice or holds an imported license under an address;
later they create an account (or add the address to one) and verify it. Whoever controls the
address is the guest we wrote to, so their guest rows join the account: cases of the kinds
each service declares (`register_case_claims`), and whatever a service adds with
`register_claim` (payments its invoices, licensing its licenses). Each answers with how many
rows it took, and the person is told in one sentence ("We linked 2 reports and 1 invoice to
your account.").

Every claim runs in one transaction, only over rows without an account whose address is the
verified one (case-insensitive): never another address's, never another account's. Guest
links to what was claimed stop working and ask the visitor to sign in
(`cases.links.links_revoke(..., reason=CLAIMED)`). allauth's `email_confirmed` signal is the
only hook for "this person now controls this address"; `cases.receivers` answers it by
calling `claims_for_verified_email`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

logger = logging.getLogger(__name__)

# A noun with its count, e.g. ngettext_lazy("%(count)d report", "%(count)d reports", "count").
Noun = object

_CASE_NOUN = ngettext_lazy("%(count)d request", "%(count)d requests", "count")


@dataclass(frozen=True)
class _Claim:
    claim: Callable[..., int]
    noun: Noun


_CLAIMS: dict[str, _Claim] = {}
_CASE_KINDS: dict[str, Noun] = {}


def register_claim(key: str, *, claim: Callable[..., int], noun: Noun) -> None:
    """Add a kind of guest row to claim: `claim(user=, email=)` gives the rows without an
    account under `email` to `user`, in the caller's transaction, and returns how many;
    `noun` (an ngettext_lazy keyed "count") names them in the message."""
    _CLAIMS[key] = _Claim(claim=claim, noun=noun)


def register_case_claims(*, kind: str, noun: Noun = _CASE_NOUN) -> None:
    """Let guest cases of `kind` be claimed (their domain rows follow their case)."""
    _CASE_KINDS[kind] = noun


@dataclass
class ClaimResult:
    """How many rows of each kind were linked, in the order they were registered."""

    counts: dict[str, tuple[int, Noun]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(count for count, _noun in self.counts.values())

    def message(self) -> str:
        """'We linked 2 reports and 1 invoice to your account.' ("" if nothing was linked)."""
        items = [noun % {"count": count} for count, noun in self.counts.values() if count]
        if not items:
            return ""
        if len(items) == 1:
            listed = items[0]
        else:
            listed = _("%(items)s and %(last)s") % {
                "items": ", ".join(items[:-1]),
                "last": items[-1],
            }
        return _("We linked %(items)s to your account.") % {"items": listed}


def _claim_cases(*, user, email: str) -> dict[str, int]:
    from cases.links import RevokedReason, links_revoke
    from cases.models import Case
    from cases.participants import applicant_claimed

    if not _CASE_KINDS:
        return {}
    # Primary-key order, so two verifications at once lock in the same order.
    cases = list(
        Case.objects.select_for_update()
        .filter(applicant__isnull=True, guest_email__iexact=email, kind__in=list(_CASE_KINDS))
        .order_by("pk")
    )
    counts: dict[str, int] = {}
    for case in cases:
        Case.objects.filter(pk=case.pk).update(applicant=user, updated_at=timezone.now())
        links_revoke(target=case, reason=RevokedReason.CLAIMED)
        counts[case.kind] = counts.get(case.kind, 0) + 1
    # The applicant participant follows the case to the account (and is told as one).
    applicant_claimed(case_ids=[case.pk for case in cases], user=user)
    return counts


def claims_for_verified_email(*, user, email: str) -> ClaimResult:
    """Give `user` every guest row under the verified address `email`; say what was linked."""
    email = (email or "").strip()
    result = ClaimResult()
    if not email or user is None or not user.is_active:
        return result
    with transaction.atomic():
        for kind, count in _claim_cases(user=user, email=email).items():
            noun = _CASE_KINDS[kind]
            previous = result.counts.get(f"case:{id(noun)}", (0, noun))[0]
            result.counts[f"case:{id(noun)}"] = (previous + count, noun)
        for key, registered in _CLAIMS.items():
            count = registered.claim(user=user, email=email)
            result.counts[key] = (count, registered.noun)
    if result.total:
        logger.info("%s guest rows linked to account %s", result.total, user.pk)
    return result
