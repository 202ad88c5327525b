"""Forms of the tax collector's workbench pages: parse and validate, nothing else."""

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.forms import AmountField
from portal.forms import PlainTextFormMixin
from taxes.models import AdjustmentKind
from taxes.services.lenders import KEEP_FILE, KEEP_ROLL

LOWER, RAISE = "lower", "raise"


class ParcelSearchForm(PlainTextFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Parcel number, bill number, owner's name or property address"),
        max_length=200,
        error_messages={"required": _("Enter what to search for.")},
    )


class BillAdjustForm(PlainTextFormMixin, forms.Form):
    instalment = forms.TypedChoiceField(label=_("Instalment"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=AdjustmentKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "An abatement lowers what is owed (relief granted after billing); a correction "
            "fixes an error either way."
        ),
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[(LOWER, _("Lower what is owed")), (RAISE, _("Raise what is owed"))],
        widget=forms.RadioSelect,
        initial=LOWER,
    )
    amount = AmountField(label=_("Amount"), help_text=_("In dollars, for example 125.00."))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("The owner sees it on the bill, and it is kept for the audit."),
        error_messages={"required": _("Give the reason for the adjustment: the owner may ask.")},
    )

    def __init__(self, *args, instalments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instalment"].choices = [
            (instalment.pk, _("Instalment %(number)s, due %(date)s")
             % {"number": instalment.sequence, "date": instalment.due_date.isoformat()})
            for instalment in instalments
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("kind") == AdjustmentKind.ABATEMENT and data.get("direction") == RAISE:
            self.add_error("direction", _("An abatement only lowers what is owed."))
        if data.get("amount") == 0:
            self.add_error("amount", _("Enter an amount other than zero."))
        return data

    @property
    def signed_cents(self) -> int:
        amount = self.cleaned_data["amount"]
        return -amount if self.cleaned_data["direction"] == LOWER else amount


class LenderConflictSettleForm(PlainTextFormMixin, forms.Form):
    """Settle the roll's conflict with an escrow file's lender: which lender the bill keeps,
    why, and the clerk's confirmation that both lenders were heard."""

    conflict = forms.IntegerField(widget=forms.HiddenInput)
    keep = forms.ChoiceField(
        label=_("The bill's escrow lender"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the lender the bill keeps.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Kept for the audit with your name and the time; the owner does not see it."),
        error_messages={
            "required": _("Give the reason: it is kept for the audit, and the lenders may ask.")
        },
    )
    confirm = forms.BooleanField(
        label=_("I have settled this with both lenders."),
        error_messages={"required": _("Confirm that you settled it with both lenders.")},
    )

    def __init__(self, *args, conflict=None, **kwargs):
        if conflict is not None:
            kwargs.setdefault("initial", {})["conflict"] = conflict.pk
        super().__init__(*args, **kwargs)
        data = conflict.data if conflict is not None else {}
        self.fields["keep"].choices = [
            (KEEP_FILE, _("Keep %(lender)s, the lender of the escrow file")
             % {"lender": data.get("lender", "")}),
            (KEEP_ROLL, _("Take %(lender)s, the lender the roll names")
             % {"lender": data.get("roll_lender", "")}),
        ]  # fmt: skip
