"""Parcels with their owners; their bills are listed, opened from the bill admin."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from taxes.models import Owner, Parcel


class OwnerInline(admin.StackedInline):
    model = Owner
    extra = 0
    fields = [("position", "name", "last_name"), "mailing_address"]


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin):
    list_display = ["number", "situs_address", "land_use"]
    list_filter = ["land_use"]
    search_fields = ["=number", "situs_address", "owners__name"]
    show_full_result_count = False
    inlines = [OwnerInline]
    readonly_fields = ["bills_list"]
    fields = ["number", "situs_address", "land_use", "bills_list"]

    @admin.display(description=_("tax bills"))
    def bills_list(self, parcel):
        bills = parcel.bills.order_by("-tax_year") if parcel.pk else []
        return (
            format_html_join(
                ", ",
                '<a href="{}">{} ({})</a>',
                (
                    (
                        reverse("admin:taxes_taxbill_change", args=[bill.pk]),
                        bill.number,
                        bill.tax_year,
                    )
                    for bill in bills
                ),
            )
            or "-"
        )
