"""What the admin forms of configurable services (license types, concern categories, and
those to come) share, so an administrator meets the same help everywhere:

- `code_from_name` / `refuse_doubled_code`: a code filled from the name when left empty
  (stepping aside from codes in use), and the "groominggrooming" slip refused;
- `GroupChoiceMixin`: a free-text grouping column (a category, a group) chosen from the
  values in use, or added on purpose, so a typo does not start a new group.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from portal.folding import fold

_DOUBLED = re.compile(r"^(?P<part>.{3,}?)[-_]?(?P=part)$")


def refuse_doubled_code(code: str) -> str:
    """Return `code`, or raise ValidationError when it is one word typed twice
    ("mobile-pet-groomingmobile-pet-grooming")."""
    doubled = _DOUBLED.match(code)
    if doubled:
        raise forms.ValidationError(
            _("This code repeats itself (“%(part)s” twice): keep it once.")
            % {"part": doubled["part"]}
        )
    return code


def code_from_name(name: str, *, taken: Iterable[str], max_length: int, separator="-") -> str:
    """A code made from `name` ("Mobile pet grooming" -> "mobile-pet-grooming"), numbered
    ("-2", "-3"...) if another row uses it."""
    taken = set(taken)
    base = slugify(name).replace("-", separator)[:max_length].strip(separator) or "service"
    code, number = base, 2
    while code in taken:
        suffix = f"{separator}{number}"
        code, number = base[: max_length - len(suffix)] + suffix, number + 1
    return code


class GroupChoiceMixin:
    """A grouping column offered as a list of the values in use, with a text box beside it
    for a new one. The form declares both fields (`group_field`, `new_group_field`), calls
    `group_choices_set(values)` in `__init__` and `group_clean(cleaned)` in `clean()`.

    A new value written like one in use, ignoring case and accents, joins it.
    """

    group_field = "category"
    new_group_field = "new_category"
    group_required = True

    def group_choices_set(self, values: Iterable[str]) -> None:
        current = getattr(self.instance, self.group_field, "") or ""
        values = sorted({*values, current} - {""}, key=str.casefold)
        self.fields[self.group_field].choices = [
            ("", _("Choose from the list")),
            *((value, value) for value in values),
        ]

    def group_clean(self, cleaned: dict) -> None:
        chosen = cleaned.get(self.group_field, "")
        new = (cleaned.get(self.new_group_field) or "").strip()
        if chosen and new:
            self.add_error(
                self.new_group_field,
                _("Choose one from the list or type a new one, not both."),
            )
        elif new:
            existing = {
                fold(value): value for value, _label in self.fields[self.group_field].choices
            }
            cleaned[self.group_field] = existing.get(fold(new), new)
        elif not chosen and self.group_required:
            self.add_error(self.group_field, _("Choose one from the list, or type a new one."))
