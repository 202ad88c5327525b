"""The permit type's admin forms, so an administrator meets the traps license types no
longer have nowhere here either:

- `PermitTypeForm`: the code made from the name when left empty (a doubled code refused),
  the permit number prefix suggested from the name and refused when another permit or
  license type, or the portal's own references, use it; fees in dollars; a fee per square
  foot of $0.00 refused;
- `FeeTierFormSet`: the valuation table checked as a whole (it starts at $0.00, no two rows
  start at the same valuation, a larger job never pays less, no table for a type that does
  not charge by valuation), each refusal saying which rows and amounts;
- `ReinspectionFeeForm`: the re-inspection fee in dollars too (never 0.00).

The admin saves the type and its rows in one transaction: a refusal anywhere saves nothing.
"""

from __future__ import annotations

import itertools
import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from licensing.forms import prefix_suggest
from licensing.models import LicenseType
from payments.forms import AmountField
from payments.money import format_cents
from permits.fees import valuation_fee
from permits.forms_apply import VALUATION_MAX_CENTS
from permits.models import FeeMethod, FeeTier, PermitType, ReinspectionFee
from portal.setup_forms import code_from_name, refuse_doubled_code

# Words left out of a suggested prefix: "Fence permit" -> FNC rather than FP.
_PREFIX_SKIPPED = re.compile(r"\b(permits?|permiso|of|for|and|the|a|an)\b", re.IGNORECASE)


def _money(cents: int) -> str:
    return format_cents(cents, settings.AGENCY["currency"])


def taken_prefixes(*, exclude_pk=None) -> set[str]:
    """Prefixes a permit type may not take: other permit types', license types' (their
    numbers are looked up side by side) and the portal's own references' (invoices...)."""
    from cases.references import RESERVED_PREFIXES
    from cases.workflow import registered_workflows
    from licensing.models import LicenseType

    permits = PermitType.objects.exclude(pk=exclude_pk).values_list("number_prefix", flat=True)
    licenses = LicenseType.objects.values_list("number_prefix", flat=True)
    return {
        *permits,
        *licenses,
        *RESERVED_PREFIXES,
        *(workflow.prefix for workflow in registered_workflows()),
    }


def permit_prefix_suggest(name: str, *, taken: set[str]) -> str:
    """A free prefix made from the type's name ("Swimming pool" -> SP, lengthened or
    lettered until free)."""
    words = _PREFIX_SKIPPED.sub(" ", name).strip() or name
    return prefix_suggest(words, taken=taken)


class PermitTypeForm(forms.ModelForm):
    """A permit type as its administrator sets it up. The model's own checks (prefix format,
    contractor trade) run as well."""

    application_fee_cents = AmountField(
        label=_("Application fee"),
        initial=0,
        help_text=_("In dollars, for example 150.00 (150 means 150 dollars)."),
    )
    flat_fee_cents = AmountField(
        label=_("Flat permit fee"),
        initial=0,
        help_text=_("In dollars, for a flat fee only."),
    )
    per_square_foot_cents = AmountField(
        label=_("Fee per square foot"),
        initial=0,
        help_text=_("In dollars per square foot of the work, for example 0.25 (25 cents)."),
    )
    # Checkboxes rather than the admin's two-list widget: its search icons carry an
    # aria-label on a bare span, which screen readers cannot announce.
    contractor_license_types = forms.ModelMultipleChoiceField(
        queryset=LicenseType.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("License types accepted"),
        help_text=_("A contractor must hold an active license of one of these types."),
    )
    minimum_fee_cents = AmountField(
        label=_("Minimum permit fee"),
        initial=0,
        help_text=_("In dollars. The permit fee is never less than this, whatever the method."),
    )

    class Meta:
        model = PermitType
        fields = [
            "name",
            "name_es",
            "code",
            "number_prefix",
            "category",
            "work_class",
            "permit_class",
            "active",
            "description",
            "description_es",
            "keywords",
            "keywords_es",
            "application_fee_cents",
            "fee_method",
            "flat_fee_cents",
            "per_square_foot_cents",
            "minimum_fee_cents",
            "plan_review_percent",
            "plans_required",
            "contractor_required",
            "contractor_trade",
            "contractor_license_types",
            "validity_days",
            "review_target_days",
            "gives_certificate_of_occupancy",
        ]
        error_messages = {
            "code": {"unique": _("Another permit type has this code: choose another.")},
            "number_prefix": {"unique": _("Another permit type uses this prefix: choose another.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("code", "number_prefix"):
            if name in self.fields:
                self.fields[name].required = False
        if "code" in self.fields:
            self.fields["code"].help_text = _(
                "The end of the type's web address (…/permits/types/<code>/). Filled from the "
                "name as you type it, or when saved if left empty; keep it short."
            )
        if "number_prefix" in self.fields:
            self.fields["number_prefix"].help_text = _(
                "2 to 8 capital letters that start every permit number of this type: BLD "
                "gives BLD-2026-000001. Left empty, one is made from the name. It cannot be "
                "another permit or license type's, nor INV or RCT (invoices and receipts)."
            )
        if "category" in self.fields:
            self.fields["category"].help_text = _(
                "Residents see the types grouped by it, and the open data publishes it. "
                "Choose the closest; “Other” for a sign, a tent…"
            )

    def clean_code(self):
        return refuse_doubled_code((self.cleaned_data.get("code") or "").strip().lower())

    def clean_number_prefix(self):
        prefix = (self.cleaned_data.get("number_prefix") or "").strip().upper()
        if prefix and not re.fullmatch(r"[A-Z]{2,8}", prefix):
            raise forms.ValidationError(_("Enter 2 to 8 capital letters, like BLD."))
        return prefix

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name") or ""
        if not cleaned.get("code") and name and "code" not in self.errors:
            others = PermitType.objects.exclude(pk=self.instance.pk).values_list("code", flat=True)
            cleaned["code"] = code_from_name(name, taken=others, max_length=50)
        taken = taken_prefixes(exclude_pk=self.instance.pk)
        prefix = cleaned.get("number_prefix")
        if not prefix and name and "number_prefix" not in self.errors:
            cleaned["number_prefix"] = permit_prefix_suggest(name, taken=taken)
        elif prefix in taken:
            self.add_error(
                "number_prefix",
                _("%(prefix)s is already used; for example %(free)s is free.")
                % {"prefix": prefix, "free": permit_prefix_suggest(name or prefix, taken=taken)},
            )
        if (
            cleaned.get("fee_method") == FeeMethod.PER_SQUARE_FOOT
            and cleaned.get("per_square_foot_cents") == 0
        ):
            self.add_error(
                "per_square_foot_cents",
                _("Enter the fee per square foot, for example 0.25, or choose another permit fee."),
            )
        return cleaned


class FeeTierForm(forms.ModelForm):
    from_cents = AmountField(
        label=_("Valuation from"),
        max_cents=VALUATION_MAX_CENTS,
        help_text=_("In dollars; the first row starts at 0."),
    )
    base_cents = AmountField(label=_("Base fee"), help_text=_("In dollars."))
    per_thousand_cents = AmountField(
        label=_("Fee per $1,000 above"),
        initial=0,
        help_text=_("In dollars, for each $1,000 or part of $1,000 above the row's start."),
    )

    class Meta:
        model = FeeTier
        fields = ["from_cents", "base_cents", "per_thousand_cents"]


class ReinspectionFeeForm(forms.ModelForm):
    """A permit type's re-inspection fee, typed in dollars like every other fee."""

    fee_cents = AmountField(
        label=_("Re-inspection fee"),
        help_text=_(
            "In dollars, for example 75.00 (75 means 75 dollars): charged for each failed "
            "inspection after the free ones, and paid before the next inspection is booked."
        ),
    )

    class Meta:
        model = ReinspectionFee
        fields = ["permit_type", "fee_cents", "free_failures"]

    def clean_fee_cents(self):
        fee = self.cleaned_data["fee_cents"]
        if fee == 0:
            raise forms.ValidationError(
                _("A re-inspection fee of 0.00 charges nothing: enter the fee, or leave it out."),
                code="zero",
            )
        return fee


class FeeTierFormSet(forms.BaseInlineFormSet):
    """The valuation table, checked as a whole against the type's fee method."""

    def clean(self):
        # Checked before the formset's own uniqueness check, to say which rows overlap.
        if any(self.errors):
            return
        self._check_table()
        super().clean()

    def _check_table(self):
        tiers = sorted(
            (
                FeeTier(
                    from_cents=form.cleaned_data["from_cents"],
                    base_cents=form.cleaned_data["base_cents"],
                    per_thousand_cents=form.cleaned_data.get("per_thousand_cents") or 0,
                )
                for form in self.forms
                if form.cleaned_data
                and not form.cleaned_data.get("DELETE")
                and form.cleaned_data.get("from_cents") is not None
                and form.cleaned_data.get("base_cents") is not None
            ),
            key=lambda tier: tier.from_cents,
        )
        by_valuation = self.instance.fee_method == FeeMethod.VALUATION
        if not by_valuation:
            if tiers:
                raise forms.ValidationError(
                    _(
                        "This type does not charge by construction valuation, so the valuation "
                        "table would never be used: delete its rows, or choose the fee by "
                        "valuation."
                    )
                )
            return
        if not tiers:
            raise forms.ValidationError(
                _("A fee by construction valuation needs its table: add a row starting at 0.")
            )
        refusals = []
        if tiers[0].from_cents != 0:
            refusals.append(
                _(
                    "The table must start at %(zero)s: a valuation below %(start)s would have "
                    "no fee."
                )
                % {"zero": _money(0), "start": _money(tiers[0].from_cents)}
            )
        for before, after in itertools.pairwise(tiers):
            if before.from_cents == after.from_cents:
                refusals.append(
                    _(
                        "Two rows start at %(start)s: they overlap. Each row starts at its own "
                        "valuation."
                    )
                    % {"start": _money(after.from_cents)}
                )
                continue
            reached = valuation_fee(valuation_cents=after.from_cents - 1, tiers=[before])
            if after.base_cents < reached:
                refusals.append(
                    _(
                        "The row from %(start)s has a base fee of %(base)s, less than the "
                        "%(reached)s the row before it reaches just below %(start)s: a larger "
                        "job would pay less. Raise its base fee or check the rows' amounts."
                    )
                    % {
                        "start": _money(after.from_cents),
                        "base": _money(after.base_cents),
                        "reached": _money(reached),
                    }
                )
        if refusals:
            raise forms.ValidationError(refusals)
