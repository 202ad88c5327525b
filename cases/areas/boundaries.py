"""Checking an area's boundary as an administrator pastes it: GeoJSON in, rings out.

Shapely (GEOS) judges the geometry, so a ring that crosses itself, a hole outside its
polygon or overlapping parts are refused with GEOS's own reason and the place it found,
rather than silently matching the wrong cases.
"""

from __future__ import annotations

import json
import math

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, shape

Ring = list[tuple[float, float]]


def _shown(text: str) -> str:
    """`text` from the pasted JSON as a page can show it: a "\\ud800" escape reads as half of
    a UTF-16 pair, which no UTF-8 page can hold, so it is shown escaped as it was typed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _geometry_of(value) -> dict:
    """The one geometry in `value` (a geometry, a Feature, or a FeatureCollection of one)."""
    if not isinstance(value, dict):
        raise ValidationError(_("The boundary must be a GeoJSON object."), code="not_object")
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise ValidationError(
                _("The boundary holds several features: paste only the area's own."),
                code="features",
            )
        return _geometry_of(features[0])
    if kind == "Feature":
        return _geometry_of(value.get("geometry"))
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon, not %(kind)s.")
            % {
                "kind": _shown(kind)
                if isinstance(kind, str) and kind
                else _("an object without a type")
            },
            code="type",
        )
    return value


def boundary_parse(text: str | dict | None) -> dict | None:
    """The boundary geometry in `text` (GeoJSON), checked; None for an empty value.

    Raises ValidationError saying what is wrong: not JSON (with the line and column, or
    nested too deeply to read), not a polygon, coordinates that are not longitude and
    latitude, or a shape that is not a valid polygon (a ring crossing itself, with the place).
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, str):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise ValidationError(
                _("The boundary is not valid GeoJSON: %(error)s (line %(line)s, column %(col)s).")
                % {"error": error.msg, "line": error.lineno, "col": error.colno},
                code="json",
            ) from None
        except RecursionError:
            # Brackets nested past Python's stack (a polygon needs three or four levels):
            # the JSON reader gives up, and so does the boundary.
            raise ValidationError(
                _("The boundary is not valid GeoJSON: it is nested too deeply."), code="json"
            ) from None
    else:
        value = text
    geometry = _geometry_of(value)
    _check_numbers(geometry)
    try:
        shaped = shape(geometry)
    except (
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
        shapely.errors.ShapelyError,
    ):
        raise ValidationError(
            _(
                "The boundary's coordinates are not a polygon: each ring needs at least four "
                "[longitude, latitude] positions, the last the same as the first."
            ),
            code="coordinates",
        ) from None
    polygons = list(shaped.geoms) if isinstance(shaped, MultiPolygon) else [shaped]
    if not polygons or any(p.is_empty for p in polygons):
        raise ValidationError(_("The boundary is empty."), code="empty")
    _check_coordinates(polygons)
    if not shaped.is_valid:
        raise ValidationError(
            _("The boundary is not a valid polygon: %(reason)s.")
            % {"reason": shapely.is_valid_reason(shaped)},
            code="invalid",
        )
    return {"type": geometry["type"], "coordinates": geometry["coordinates"]}


# How deep positions lie in each geometry's coordinates: rings of positions in a polygon,
# polygons of rings in a multipolygon.
_POSITION_DEPTH = {"Polygon": 2, "MultiPolygon": 3}


def _check_numbers(geometry: dict) -> None:
    """Refuse positions that are not JSON numbers a float holds, before Shapely reads them.

    Shapely reads "1" and true as numbers (the boundary would be stored as text and booleans,
    which no map draws) and raises OverflowError for an integer past a float's range.
    Lists nested deeper or shallower than the geometry's are left for Shapely to refuse.
    """
    refused = ValidationError(
        _(
            "The boundary's positions must be numbers: [longitude, latitude], "
            "each a plain number such as -89.65."
        ),
        code="numbers",
    )
    levels = [(geometry.get("coordinates"), _POSITION_DEPTH[geometry["type"]])]
    while levels:
        value, depth = levels.pop()
        if not isinstance(value, list):
            continue
        if depth:
            levels.extend((item, depth - 1) for item in value)
            continue
        for number in value:
            if type(number) not in (int, float):  # not bool, a subclass of int
                raise refused
            try:
                float(number)
            except OverflowError:
                raise refused from None


def _check_coordinates(polygons: list[Polygon]) -> None:
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            if ring.has_z:
                raise ValidationError(
                    _("The boundary's positions must have two numbers: longitude and latitude."),
                    code="dimensions",
                )
            for x, y in ring.coords:
                if not (math.isfinite(x) and math.isfinite(y)) or not (
                    -180 <= x <= 180 and -90 <= y <= 90
                ):
                    raise ValidationError(
                        _(
                            "The position [%(x)s, %(y)s] is not [longitude, latitude]: longitude "
                            "goes from -180 to 180 and latitude from -90 to 90."
                        )
                        % {"x": x, "y": y},
                        code="range",
                    )


def boundary_rings(boundary: dict | None) -> list[Ring]:
    """Every ring (outer edges and holes) of a boundary `boundary_parse` accepted."""
    if not boundary:
        return []
    shaped = shape(boundary)
    polygons = list(shaped.geoms) if isinstance(shaped, MultiPolygon) else [shaped]
    return [
        [(float(x), float(y)) for x, y in ring.coords]
        for polygon in polygons
        for ring in (polygon.exterior, *polygon.interiors)
    ]
