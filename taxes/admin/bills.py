"""Tax bills with their lines and instalments, amounts in dollars.

Bills come from the assessor's roll (the roll import, see `taxes.admin.imports`); one can be
entered by hand for a parcel missing from it. What was billed is never rewritten: a saved
bill's lines and instalments are shown, not edited (a corrected roll adds adjustment lines).
A change of a saved bill's escrow lender asks for a reason and goes through
`taxes.services.lenders`, which writes it on the bill's timeline with who made it and why.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from payments.forms import AmountFieldsAdminMixin
from payments.money import format_cents
from taxes.models import BillLine, Instalment, LineKind, TaxBill
from taxes.services.lenders import REASON_MAX_LENGTH, bill_lender_change


def _money(cents: int) -> str:
    from django.conf import settings

    return format_cents(cents, settings.AGENCY["currency"])


class BillLineForm(forms.ModelForm):
    """A levy or an exemption, both typed as positive dollars (an exemption is stored below
    zero)."""

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[
            (LineKind.LEVY, LineKind.LEVY.label),
            (LineKind.EXEMPTION, LineKind.EXEMPTION.label),
        ],
    )

    class Meta:
        model = BillLine
        fields = ["kind", "district", "amount_cents"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == LineKind.EXEMPTION and cleaned.get("amount_cents"):
            cleaned["amount_cents"] = -cleaned["amount_cents"]
            self.instance.amount_cents = cleaned["amount_cents"]
        return cleaned


class _BilledOnceInline(AmountFieldsAdminMixin, admin.TabularInline):
    """Editable while the bill is being added; read only once it is saved."""

    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return obj is None and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class BillLineInline(_BilledOnceInline):
    model = BillLine
    form = BillLineForm
    fields = ["kind", "district", "amount_cents", "amount", "reason", "roll_import"]
    readonly_fields = ["amount", "reason", "roll_import"]
    verbose_name_plural = _("Lines: levies (in dollars), exemptions (in dollars, taken off)")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["kind", "district", "amount_cents"]
        return ["kind", "district", "amount", "reason", "roll_import", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("amount"))
    def amount(self, line):
        return _money(line.amount_cents)


class InstalmentInline(_BilledOnceInline):
    model = Instalment
    fields = ["sequence", "due_date", "amount_cents"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["sequence", "due_date", "amount_cents"]
        return ["sequence", "due_date", "billed", "adjusted", "paid"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("amount billed"))
    def billed(self, instalment):
        return _money(instalment.amount_cents)

    @admin.display(description=_("adjustments"))
    def adjusted(self, instalment):
        return _money(instalment.adjustment_cents)

    @admin.display(description=_("principal paid"))
    def paid(self, instalment):
        return _money(instalment.principal_paid_cents)


class TaxBillForm(forms.ModelForm):
    """A bill; a change of a saved bill's escrow lender says why (on the bill's timeline)."""

    lender_change_reason = forms.CharField(
        label=_("reason for a change of lender"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        help_text=_("Needed when you change the escrow lender: it is kept on the bill's timeline."),
    )

    class Meta:
        model = TaxBill
        fields = ["parcel", "tax_year", "number", "escrow_lender"]

    def clean(self):
        cleaned = super().clean()
        changed = self.instance.pk and "escrow_lender" in self.changed_data
        if changed and not (cleaned.get("lender_change_reason") or "").strip():
            self.add_error("lender_change_reason", _("Say why the escrow lender changes."))
        return cleaned


@admin.register(TaxBill)
class TaxBillAdmin(admin.ModelAdmin):
    form = TaxBillForm
    list_display = ["number", "tax_year", "parcel", "escrow_lender"]
    list_filter = ["tax_year"]
    list_select_related = ["parcel"]
    search_fields = ["=number", "=parcel__number", "escrow_lender"]
    autocomplete_fields = ["parcel"]
    show_full_result_count = False
    inlines = [BillLineInline, InstalmentInline]
    readonly_fields = ["access_code_printed", "roll_import"]
    fields = ["parcel", "tax_year", "number", "escrow_lender", "access_code_printed", "roll_import"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return [*self.fields[:4], "lender_change_reason", *self.fields[4:]]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "parcel", "tax_year", "number"]

    def save_model(self, request, obj, form, change):
        lender_changed = change and "escrow_lender" in form.changed_data
        lender = obj.escrow_lender
        if lender_changed:
            obj.escrow_lender = form.initial.get("escrow_lender", "")
        super().save_model(request, obj, form, change)
        if lender_changed:
            bill_lender_change(
                bill=obj,
                lender=lender,
                actor=request.user,
                reason=form.cleaned_data["lender_change_reason"],
            )
            obj.escrow_lender = lender.strip()

    @admin.display(description=_("access code (printed on the bill)"))
    def access_code_printed(self, bill):
        return bill.access_code_printed if bill.pk else _("Made when the bill is saved.")
