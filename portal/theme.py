"""The agency's colors as a small stylesheet, served at /theme.css.

The Content-Security-Policy forbids inline styles, so the colors a town sets in its
environment (settings.AGENCY) reach the page as a cacheable stylesheet instead. Text on the
primary color is white or near-black, whichever contrasts more, so a light brand color does
not make buttons unreadable.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings

# USWDS's own "primary-darker" and "secondary": used when a setting is not a valid color.
DEFAULT_PRIMARY = "#1a4480"
DEFAULT_SECONDARY = "#d83933"
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
_WHITE = "#ffffff"
_INK = "#1b1b1b"


@dataclass(frozen=True)
class Theme:
    primary: str
    primary_dark: str
    on_primary: str
    secondary: str

    @functools.cached_property
    def version(self) -> str:
        """A short fingerprint of the colors: it changes the stylesheet's URL when they do."""
        raw = "|".join((self.primary, self.primary_dark, self.on_primary, self.secondary))
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _normalise(color: str, default: str) -> str:
    color = (color or "").strip()
    if not _HEX.match(color):
        return default
    if len(color) == 4:
        color = "#" + "".join(ch * 2 for ch in color[1:])
    return color.lower()


def _channels(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _luminance(color: str) -> float:
    """Relative luminance as WCAG 2 defines it."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darken(color: str, amount: float = 0.25) -> str:
    return "#" + "".join(f"{round(c * (1 - amount)):02x}" for c in _channels(color))


def current_theme() -> Theme:
    """Return the theme described by settings.AGENCY."""
    return _theme(
        settings.AGENCY.get("primary_color", ""), settings.AGENCY.get("secondary_color", "")
    )


# Every page links the stylesheet by the theme's version: work it out once per pair of colors.
@functools.lru_cache(maxsize=32)
def _theme(primary_setting: str, secondary_setting: str) -> Theme:
    primary = _normalise(primary_setting, DEFAULT_PRIMARY)
    secondary = _normalise(secondary_setting, DEFAULT_SECONDARY)
    prefers_white = contrast_ratio(primary, _WHITE) >= contrast_ratio(primary, _INK)
    on_primary = _WHITE if prefers_white else _INK
    return Theme(
        primary=primary,
        primary_dark=_darken(primary),
        on_primary=on_primary,
        secondary=secondary,
    )
