"""The taxes app's admin: parcels and owners, bills with their lines and instalments, the
penalty, interest and discount rules, the roll imports (with the upload page), and mortgage
lenders with their escrow files."""

from taxes.admin import bills, imports, lenders, parcels, rules  # noqa: F401
