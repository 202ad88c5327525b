"""Where the agency answers reports, and distances between points, without PostGIS.

The area is a latitude/longitude box from settings (CONCERNS_AREA_BOUNDS). Distances use the
equirectangular approximation, which is exact to well under a metre at the 50 m scale the
duplicate check works at, and can be written as plain SQL arithmetic on indexed columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, FloatField, Value
from django.db.models.expressions import CombinedExpression, ExpressionWrapper
from django.db.models.functions import Cos, Radians, Sqrt

EARTH_RADIUS_M = 6_371_008.8
# Metres per degree of latitude (and of longitude at the equator).
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180


@dataclass(frozen=True)
class Area:
    south: Decimal
    west: Decimal
    north: Decimal
    east: Decimal

    def contains(self, latitude: Decimal, longitude: Decimal) -> bool:
        return self.south <= latitude <= self.north and self.west <= longitude <= self.east

    @property
    def center(self) -> tuple[float, float]:
        return (float(self.south + self.north) / 2, float(self.west + self.east) / 2)


def agency_area() -> Area:
    south, west, north, east = settings.CONCERNS_AREA_BOUNDS
    return Area(Decimal(south), Decimal(west), Decimal(north), Decimal(east))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two points (equirectangular approximation)."""
    mean_latitude = math.radians((lat1 + lat2) / 2)
    dx = math.radians(lon2 - lon1) * math.cos(mean_latitude)
    dy = math.radians(lat2 - lat1)
    return EARTH_RADIUS_M * math.hypot(dx, dy)


def bounding_box(latitude: float, longitude: float, radius_m: float) -> tuple[float, ...]:
    """The (south, west, north, east) box around a point that holds every point within
    `radius_m`: the cheap, index-served prefilter before the exact distance."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 1e-6))
    return (latitude - dlat, longitude - dlon, latitude + dlat, longitude + dlon)


def distance_expression(latitude: float, longitude: float) -> ExpressionWrapper:
    """A SQL expression for the distance in metres from (latitude, longitude) to each row's
    `latitude`/`longitude`, the same approximation as `distance_m`."""
    lat = ExpressionWrapper(F("latitude"), output_field=FloatField())
    lon = ExpressionWrapper(F("longitude"), output_field=FloatField())
    cos_mean = Cos(Radians((lat + Value(latitude)) / Value(2.0)))
    dx = Radians(lon - Value(longitude)) * cos_mean
    dy = Radians(lat - Value(latitude))
    squared = CombinedExpression(dx, "*", dx) + CombinedExpression(dy, "*", dy)
    return ExpressionWrapper(Value(EARTH_RADIUS_M) * Sqrt(squared), output_field=FloatField())
