"""Text that people type and others read: composed (NFC), and free of invisible formatting.

Unicode has characters that draw nothing but change how the text around them is shown. The
bidirectional controls (U+202A-U+202E, U+2066-U+2069, the marks U+200E/U+200F and U+061C)
reorder what follows them: "Ana U+202E ziuR" prints as a reversed name on a license
certificate, in the public register or in a message to staff. Zero-width spaces, word
joiners, soft hyphens and tag characters hide text or split words invisibly. Together they
are Unicode's "format" category (Cf); control characters (Cc) do similar harm.

Refused: every Cf character except the zero-width joiner and non-joiner (U+200D, U+200C),
which Persian, Arabic-script and Indic spelling and emoji sequences need; every Cc character
except tab, line feed and carriage return. Right-to-left scripts need no control character:
their direction comes from the letters themselves.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_JOINERS = frozenset({"\u200c", "\u200d"})
_LINE_CONTROLS = frozenset({"\t", "\n", "\r"})

# For database CHECK constraints on what is printed for the public: the characters that
# reorder or hide text (a PostgreSQL regular expression, also valid in Python).
REORDERING_CHARACTERS = "[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"

INVISIBLE_MESSAGE = _("Remove the invisible formatting characters from this answer.")


def has_invisible_characters(value: str) -> bool:
    """True if `value` holds a character this module refuses (see the module's docstring)."""
    for character in value:
        if character.isprintable() or character in _JOINERS or character in _LINE_CONTROLS:
            continue
        category = unicodedata.category(character)
        if category in ("Cf", "Cc"):
            return True
    return False


def invisible_message(label: str) -> str:
    """The refusal where there is no form field to put it on (an API, a row of a file)."""
    return _(
        "%(label)s contains invisible formatting characters, such as text direction marks. "
        "Remove them."
    ) % {"label": label[:1].upper() + label[1:]}


def validate_visible_text(value) -> None:
    """Raise ValidationError (code "invisible_characters") for invisible formatting."""
    if isinstance(value, str) and has_invisible_characters(value):
        raise ValidationError(INVISIBLE_MESSAGE, code="invisible_characters")


def plain_text(value: str) -> str:
    """`value` in composed form (NFC); raise ValidationError if it has invisible formatting."""
    value = unicodedata.normalize("NFC", value)
    validate_visible_text(value)
    return value
