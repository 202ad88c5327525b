"""The taxes app's admin: parcels and owners, bills with their lines and instalments, the
penalty, interest and discount rules, the roll imports (with the upload page), mortgage lenders
with their escrow files, and the e-bill recipients (whether each confirmed)."""

from taxes.admin import bills, imports, lenders, parcels, recipients, rules  # noqa: F401
