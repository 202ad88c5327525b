"""Accent folding: "Okáfor" and "okafor", "peluquería" and "PELUQUERIA" compare equal.

The database has neither the `unaccent` nor the `pg_trgm` extension, so folding happens in
two places that must agree:

- in Python, `fold()` for text matched in Python (the service search) and `fold_like_sql()`
  for words sent to the database;
- in SQL, `folded_sql(expression)`: PostgreSQL's built-in `translate()`, which is immutable,
  so an index can be built on it (see licensing.models.LOOKUP_SEARCH_VECTOR).

Both SQL and `fold_like_sql()` use the one table below, so what is stored and what is typed
fold the same way.
"""

from __future__ import annotations

import unicodedata

from django.db.models import Func, TextField, Value


def fold(text: str) -> str:
    """Lower-case `text` and drop its accents ("Núñez" -> "nunez", "Straße" -> "strasse")."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _accent_table() -> tuple[str, str]:
    """Each Latin letter with a diacritic (Latin-1, Latin Extended-A/B and Additional) and the
    plain ASCII letter it folds to, as the two arguments of SQL's translate()."""
    accented, plain = [], []
    for codepoint in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        char = chr(codepoint)
        base = "".join(
            ch for ch in unicodedata.normalize("NFKD", char) if not unicodedata.combining(ch)
        )
        if len(base) == 1 and base.isascii() and base.isalpha() and base != char:
            accented.append(char)
            plain.append(base)
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _accent_table()
_TRANSLATION = str.maketrans(ACCENTED, PLAIN)


def fold_like_sql(text: str) -> str:
    """Lower-case `text` and drop its accents exactly as `folded_sql` and PostgreSQL's
    lower() do, for words compared with a folded column or index."""
    return (text or "").translate(_TRANSLATION).lower()


def folded_sql(expression) -> Func:
    """`expression` without its accents, in SQL (letter case unchanged: wrap it in Lower(),
    or let to_tsvector lower-case it)."""
    return Func(
        expression,
        Value(ACCENTED),
        Value(PLAIN),
        function="translate",
        output_field=TextField(),
    )
