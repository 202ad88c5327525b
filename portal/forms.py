"""What every form where someone types text for others to read has in common."""

from __future__ import annotations

import unicodedata

from django import forms

from portal.validators import validate_visible_text


def _is_typed_text(field: forms.Field) -> bool:
    # Passwords are compared byte for byte: never normalised, never refused.
    return isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)


class PlainTextFormMixin:
    """Compose every typed text field (NFC) and refuse invisible formatting characters.

    Put it first in a form's bases: ``class ReplyForm(PlainTextFormMixin, forms.Form)``.
    It applies to every CharField (and subclass: e-mail, slug...) the form has when it is
    validated, fields added in ``__init__`` included, except password fields. A refused
    value gets `portal.validators.INVISIBLE_MESSAGE` on its field and, like any other error,
    the form re-renders with what was typed.
    """

    def full_clean(self):
        if self.is_bound:
            self._compose_typed_text()
        super().full_clean()

    def _compose_typed_text(self) -> None:
        names = [name for name, field in self.fields.items() if _is_typed_text(field)]
        for name in names:
            validators = self.fields[name].validators
            if validate_visible_text not in validators:
                validators.append(validate_visible_text)
        data = self.data.copy()  # a QueryDict is immutable; its copy is not
        for key in (self.add_prefix(name) for name in names):
            if hasattr(data, "getlist"):
                if key in data:
                    data.setlist(key, [_compose(value) for value in data.getlist(key)])
            elif key in data:
                data[key] = _compose(data[key])
        self.data = data


def _compose(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value
