"""Hostile input for the property-based tests: text, numbers and lengths no form expects,
and the checks every public page must pass with them (no server error; a form shown again
keeps what was typed)."""

from __future__ import annotations

import html
import re
import string

from django import forms
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from phonenumber_field.widgets import RegionalPhoneNumberWidget

# Plausible values mixed with hostile ones: huge and non-finite numbers, lengths just past
# the columns (150, 254, 255, 300), NUL and other control characters, markup, odd Unicode.
VALUES = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=string.printable, max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "pothole",
            "large",
            "open,closed",
            "39.798700",
            "-89.654300",
            "1e309",
            "1e400",
            "1e-400",
            "-0",
            "NaN",
            "nan",
            "-inf",
            "Infinity",
            "99999999999999999999",
            "-99999999999999999999",
            "2026-01-01",
            "2026-02-30",
            "0000-00-00",
            "99999-01-01",
            "2026-01-01T00:00:00Z",
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00-12:00",
            "<script>alert(1)</script>",
            "\x00",
            "a\x00b",
            "\u202eevil",
            "CON-2026-000001",
            "LIC-2026-000001",
            "00000000-0000-0000-0000-000000000000",
            "a@example.org",
            "a" * 250 + "@example.org",
            "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".example.org",
            "+15555550100",
            "x" * 151,
            "x" * 255,
            "x" * 301,
            "x" * 5000,
        ]
    ),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.lists(st.text(alphabet="ab\x00<>", max_size=3), min_size=2, max_size=3),
)


def params(names: list[str], *, valid: dict | None = None):
    """Random values for some of `names`, as a dict for the test client (a list value sends
    the parameter several times). With `valid`, half the time the random values replace
    only some answers of that valid form, so the checks behind the required fields run."""
    random = st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names))
    if valid is None:
        return random
    return st.one_of(random, random.map(lambda changes: {**valid, **changes}))


def fuzz(max_examples: int):
    """The settings of every test here: no deadline (the database is slow to start), no
    example database on disk, fixtures shared between examples on purpose."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


def no_server_error(response) -> None:
    assert response.status_code < 500, response.content[:2000]


# Values that come back on the page exactly as typed, so they can be looked for in it.
_PLAIN = set(string.ascii_letters + string.digits + " .-@+")
_TYPED = {"text", "email", "tel", "number", "date", "datetime-local", "search", "url", "textarea"}


def keeps_what_was_typed(response, posted: dict, *, form_key: str = "form") -> None:
    """A form shown again (after a refusal) shows each valid text answer as it was typed.

    Only plain values are looked for (others are escaped or normalised on the way back);
    fields with an error of their own, file, choice and hidden fields are left out.
    """
    if response.status_code >= 300 or response.context is None:
        return
    form = response.context.get(form_key)
    if form is None or not form.is_bound or not form.errors:
        return
    page = html.unescape(response.content.decode())
    for name, value in posted.items():
        field = form.fields.get(name)
        if field is None or name in form.errors or not isinstance(value, str):
            continue
        kind = getattr(field.widget, "input_type", None)
        if isinstance(field.widget, forms.Textarea):
            kind = "textarea"
        if kind not in _TYPED:
            continue
        value = value.strip()
        if value and set(value) <= _PLAIN:
            if isinstance(field.widget, RegionalPhoneNumberWidget):
                # A valid phone number comes back in the region's format: the same digits.
                shown = field.widget.format_value(form[name].value())
                assert shown in page, f"{name}={value!r} was not shown again"
                assert _digits(value).endswith(_digits(shown)), f"{name}={value!r} became {shown}"
                continue
            assert value in page, f"{name}={value!r} was not shown again"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)
