"""Reads of the e-bill pages: always scoped to the signed-in resident's own links."""

from __future__ import annotations

from django.db.models import Prefetch

from taxes.models import BillEvent, BillEventKind, BillRecipient, ParcelLink, TaxBill

STAFF_ONLY_EVENTS = [BillEventKind.LENDER_CONFLICT, BillEventKind.LENDER_SETTLED]


def links_for(*, user) -> list[ParcelLink]:
    """`user`'s linked parcels, by parcel number, each with its recipients (two queries)."""
    return list(
        ParcelLink.objects.filter(user=user)
        .select_related("parcel")
        .prefetch_related(Prefetch("recipients", queryset=BillRecipient.objects.order_by("id")))
        .order_by("parcel__number")
    )


def link_for(*, user, link_id: int) -> ParcelLink | None:
    """`user`'s own link `link_id`, or None (someone else's link is not found either)."""
    return ParcelLink.objects.select_related("parcel", "user").filter(user=user, pk=link_id).first()


def recipient_for(*, link: ParcelLink, recipient_id: int) -> BillRecipient | None:
    return BillRecipient.objects.filter(link=link, pk=recipient_id).first()


def link_bills(*, link: ParcelLink) -> list[TaxBill]:
    return list(link.parcel.bills.order_by("-tax_year"))


def bill_for_linked(*, user, number: str) -> TaxBill | None:
    """The bill `number` if `user` linked its parcel, else None."""
    return (
        TaxBill.objects.select_related("parcel")
        .filter(number=number.upper(), parcel__links__user=user)
        .first()
    )


def bill_timeline(*, bill: TaxBill) -> list[BillEvent]:
    """The bill's timeline as its owner reads it, oldest first: without the staff's entries
    (a roll that named another lender than the bill's is for the tax office to settle)."""
    return list(bill.events.exclude(kind__in=STAFF_ONLY_EVENTS).order_by("created_at", "id"))
