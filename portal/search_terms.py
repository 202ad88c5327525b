"""How the service searches match words: "renew" finds a renewal, "renovar" finds a
"renovación", "mascotas" finds "mascota", "NÚÑEZ" finds "nunez".

Text and query are split into words, folded (no case, no accents: portal.folding) and cut
to a light stem (English and Spanish plural and common endings). A query matches a text when
every stem of the query begins a stem of the text ("pet" begins "pets"), or, for stems of
five letters or more, appears inside one ("light" in "streetlight"). Short words such as
"the", "de" or "my" are left out of a query that has other words.

Deliberately light: people search a portal with a word or two, and finding one result too
many beats finding nothing. No dictionary, so it works the same for names an administrator
types in any language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from portal.folding import fold

_ENGLISH_STOP_WORDS = (
    "a an and are at be by can do for from get how i in is it me my need of on or the to "
    "want with your you"
)
_SPANISH_STOP_WORDS = (
    "al como con de del el en es la las lo los mi mis necesito o para por que quiero se su "
    "un una uno y"
)
STOP_WORDS = frozenset(f"{_ENGLISH_STOP_WORDS} {_SPANISH_STOP_WORDS}".split())

# A final "s" goes first (if 3 letters stay), then these endings, longest first, again and
# again while at least MIN_STEM letters stay: "renovaciones" -> "renovacione" ->
# "renovacion" -> "renov", like "renovar" -> "renov".
_ENDINGS = ("aciones", "acion", "ation", "cion", "ing", "al", "ar", "er", "ir", "ed", "e")
MIN_STEM = 4
# A stem this long may match inside a word of the text, not only at its start.
INSIDE_FROM = 5

_WORD = re.compile(r"\w+")


def stem(word: str) -> str:
    """The light stem of a folded word: "renewals" -> "renew", "renovar" -> "renov"."""
    if word.endswith("s") and len(word) > 3:
        word = word[:-1]
    stripped = True
    while stripped:
        stripped = False
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                word = word[: -len(ending)]
                stripped = True
                break
    return word


def text_stems(texts: Iterable[str]) -> frozenset[str]:
    """The stems of every word of `texts`."""
    return frozenset(stem(word) for text in texts for word in _WORD.findall(fold(str(text))))


def query_stems(query: str) -> list[str]:
    """The stems a text must hold for `query` to match it (its stop words dropped, unless it
    has nothing else)."""
    words = _WORD.findall(fold(query))
    meaningful = [word for word in words if word not in STOP_WORDS] or words
    return list(dict.fromkeys(stem(word) for word in meaningful))


def stems_match(query: list[str], text: frozenset[str]) -> bool:
    """Whether every stem of `query` begins (or, if long, is inside) a stem of `text`."""
    return bool(query) and all(_found(wanted, text) for wanted in query)


def _found(wanted: str, text: frozenset[str]) -> bool:
    if wanted in text:
        return True
    if len(wanted) >= INSIDE_FROM:
        return any(wanted in word for word in text)
    return any(word.startswith(wanted) for word in text)
