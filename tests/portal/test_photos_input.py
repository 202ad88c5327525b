"""The photos of a result recorded in the field (the inspector's, the concern field staff's):
one part both result pages include, taking several photos from the phone's back camera."""

import re

import pytest
from django.template.loader import render_to_string

from concerns.forms import FieldResultForm
from permits.inspection_forms import ResultForm


def file_input(html: str) -> str:
    return re.search(r"<input [^>]*>", html).group(0)


@pytest.mark.parametrize(
    ("form", "hint"),
    [
        (FieldResultForm(), "Up to 5, for staff only."),
        (ResultForm(inspection=None), None),
    ],
    ids=["concern-field-result", "inspection-result"],
)
def test_the_photos_part_takes_several_photos_from_the_back_camera(form, hint):
    # when
    html = render_to_string("portal/_photos_input.html", {"field": form["photos"]})

    # then: the input the label names, described by the field's hint when it has one
    tag = file_input(html)
    assert '<label class="usa-label" for="id_photos">Photos</label>' in html
    assert 'type="file"' in tag and 'name="photos"' in tag and 'id="id_photos"' in tag
    assert 'accept="image/*"' in tag and 'capture="environment"' in tag and " multiple" in tag
    if hint:
        assert f'<div class="usa-hint" id="id_photos-hint">{hint}</div>' in html
        assert 'aria-describedby="id_photos-hint"' in tag
    else:
        assert "usa-hint" not in html and "aria-describedby" not in tag
