"""The tax collector's workbench pages (/staff/taxes/): find a parcel, see its bills and
payments, adjust or abate a bill with a reason, settle the roll's conflict with an escrow
file's lender, and the list of bills past due.

Kept to staff with MFA by the workbench's middleware, and to the tax collector's office by
`taxes.staff_permissions` on every page; each write through `taxes.services.adjustments` or
`taxes.services.lenders`.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import permissions
from portal.csvstream import csv_response
from taxes import selectors_staff as selectors
from taxes.charges import agency_date
from taxes.exceptions import LenderConflictRefused, LenderConflictSettledAlready
from taxes.forms_staff import BillAdjustForm, LenderConflictSettleForm, ParcelSearchForm
from taxes.models import Instalment
from taxes.services.adjustments import AdjustmentRefused, bill_adjust
from taxes.services.lenders import lender_conflict_settle
from taxes.staff_permissions import may_work_taxes, require_tax_staff

PER_PAGE = 50


def _today():
    return agency_date(timezone.now())


@require_GET
def parcel_search(request: HttpRequest) -> HttpResponse:
    require_tax_staff(request.user)
    form = ParcelSearchForm(request.GET if "q" in request.GET else None)
    parcels = None
    if form.is_bound and form.is_valid():
        parcels = selectors.parcels_search_for_staff(query=form.cleaned_data["q"])
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "taxes/staff/search.html", {"form": form, "parcels": parcels}, status=status
    )


def _settle_prefix(bill) -> str:
    return f"settle-{bill.pk}"


def _parcel_page(request, number: str, *, form=None, form_bill=None, settle_form=None, status=200):
    context = selectors.parcel_for_staff(number=number, on=_today())
    if context is None:
        raise Http404
    for owed in context["bills"]:
        bill = owed.bill
        if bill.open_lender_conflict is not None:
            bill.settle_form = (
                settle_form
                if settle_form is not None and form_bill == bill.pk
                else LenderConflictSettleForm(
                    conflict=bill.open_lender_conflict, prefix=_settle_prefix(bill)
                )
            )
    context.update(
        may_adjust=may_work_taxes(request.user, permissions.MOVE),
        bill_forms=[
            (
                owed,
                form
                if form is not None and form_bill == owed.bill.pk
                else BillAdjustForm(instalments=[instalment for instalment, _ in owed.instalments]),
            )
            for owed in context["bills"]
        ],
    )
    return render(request, "taxes/staff/parcel.html", context, status=status)


@require_GET
def parcel_detail(request: HttpRequest, number: str) -> HttpResponse:
    require_tax_staff(request.user)
    return _parcel_page(request, number)


@require_POST
def bill_adjust_post(request: HttpRequest, number: str) -> HttpResponse:
    require_tax_staff(request.user, permissions.MOVE)
    bill = selectors.bill_for_staff(number=number)
    if bill is None:
        raise Http404
    instalments = Instalment.objects.filter(bill=bill).order_by("sequence")
    form = BillAdjustForm(request.POST, instalments=instalments)
    if form.is_valid():
        try:
            bill_adjust(
                bill=bill,
                instalment_id=form.cleaned_data["instalment"],
                kind=form.cleaned_data["kind"],
                amount_cents=form.signed_cents,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except AdjustmentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Bill %(number)s adjusted.") % {"number": bill.number})
            return redirect("taxes_staff:parcel", number=bill.parcel.number)
    return _parcel_page(request, bill.parcel.number, form=form, form_bill=bill.pk, status=400)


@require_POST
def bill_lender_settle_post(request: HttpRequest, number: str) -> HttpResponse:
    """Settle the bill's open conflict between the roll and its escrow file's lender."""
    require_tax_staff(request.user, permissions.MOVE)
    bill = selectors.bill_for_staff(number=number)
    if bill is None:
        raise Http404
    conflict = selectors.lender_conflict_for_staff(bill=bill)
    form = LenderConflictSettleForm(request.POST, conflict=conflict, prefix=_settle_prefix(bill))
    try:
        if conflict is None:
            raise LenderConflictSettledAlready(
                _("The lender conflict on bill %(bill)s is no longer open.") % {"bill": bill.number}
            )
        if form.is_valid():
            lender_conflict_settle(
                bill=bill,
                conflict_id=form.cleaned_data["conflict"],
                keep=form.cleaned_data["keep"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(
                request, _("Lender conflict on bill %(bill)s settled.") % {"bill": bill.number}
            )
            return redirect("taxes_staff:parcel", number=bill.parcel.number)
    except LenderConflictSettledAlready as settled:
        # A second submit of the same form, or another clerk was first: nothing to do.
        messages.info(request, str(settled))
        return redirect("taxes_staff:parcel", number=bill.parcel.number)
    except LenderConflictRefused as refusal:
        form.add_error(refusal.field, str(refusal))
    return _parcel_page(
        request, bill.parcel.number, settle_form=form, form_bill=bill.pk, status=400
    )


CSV_HEADER = (
    "parcel",
    "address",
    "bill",
    "tax_year",
    "oldest_due",
    "principal_overdue",
    "principal_owed",
    "penalty_owed",
    "interest_owed",
    "total_owed",
)


def _dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _csv_rows(on):
    for owed in selectors.delinquent_export(on=on):
        bill = owed.bill
        yield (
            bill.parcel.number,
            bill.parcel.situs_address,
            bill.number,
            bill.tax_year,
            bill.oldest_due.isoformat(),
            _dollars(bill.overdue_cents),
            _dollars(owed.payoff.principal_cents),
            _dollars(owed.payoff.penalty_cents),
            _dollars(owed.payoff.interest_cents),
            _dollars(owed.payoff.total_cents),
        )


@require_GET
def delinquent_list(request: HttpRequest) -> HttpResponse:
    """Bills past due with principal unpaid, and what each owes today."""
    require_tax_staff(request.user)
    on = _today()
    if request.GET.get("format") == "csv":
        return csv_response(f"delinquent-{on.isoformat()}.csv", CSV_HEADER, _csv_rows(on))
    order = request.GET.get("order", "oldest")
    if order not in selectors.DELINQUENT_ORDERS:
        order = "oldest"
    page = Paginator(selectors.delinquent_bills(on=on, order=order), PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = selectors.delinquent_rows(bills=list(page.object_list), on=on)
    return render(
        request,
        "taxes/staff/delinquent.html",
        {"page": page, "rows": rows, "order": order, "on": on},
    )
