import pytest
from django import forms

from portal.forms import PlainTextFormMixin

MESSAGE = "Remove the invisible formatting characters from this answer."


class NameForm(PlainTextFormMixin, forms.Form):
    name = forms.CharField(max_length=50)
    notes = forms.CharField(required=False, widget=forms.Textarea)
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    count = forms.IntegerField(required=False)


class AddedLaterForm(PlainTextFormMixin, forms.Form):
    """Fields added in __init__, as the question forms do."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"] = forms.CharField()


def test_every_text_field_refuses_invisible_characters_and_keeps_the_values():
    # given
    form = NameForm({"name": "Ana \u202eziuR", "notes": "fine\u200b", "count": "3"})

    # when
    valid = form.is_valid()

    # then
    assert not valid
    assert form.errors == {"name": [MESSAGE], "notes": [MESSAGE]}
    html = form.as_p()
    assert 'value="Ana \u202eziuR"' in html
    assert "fine\u200b</textarea>" in html
    assert 'value="3"' in html


def test_text_is_composed_but_passwords_are_left_as_typed():
    form = NameForm({"p-name": "Jose\u0301", "p-password": "se\u0301cret\u200b"}, prefix="p")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Jos\u00e9"
    assert form.cleaned_data["password"] == "se\u0301cret\u200b"


def test_fields_added_after_construction_are_covered():
    form = AddedLaterForm({"answer": "yes\u2066"})
    assert form.errors == {"answer": [MESSAGE]}


@pytest.mark.parametrize("times", [1, 2])
def test_checking_twice_gives_one_message(times):
    form = NameForm({"name": "\u200fAna"})
    for _ in range(times):
        form.full_clean()
    assert form.errors == {"name": [MESSAGE]}
