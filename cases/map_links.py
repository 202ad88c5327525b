"""Links that open a place in the phone's map app, for every service's staff on the road.

A `geo:` URI (RFC 5870) opens whichever map app the phone has, with no map provider chosen
for the reader. A point opens at the point; an address alone goes in the query form
(`geo:0,0?q=...`) that Android's and iOS's map apps search for.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote


def map_link(
    *,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    address: str = "",
) -> str:
    """A geo: URI that opens the phone's map app at the point, or at the address (percent-
    encoded) when there is no point; "" when there is neither. A point needs both
    coordinates: one alone is no point, and the address is used."""
    if latitude is not None and longitude is not None:
        return f"geo:{latitude},{longitude}?q={latitude},{longitude}"
    address = (address or "").strip()
    if address:
        return f"geo:0,0?q={quote(address, safe='')}"
    return ""
