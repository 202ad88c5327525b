"""The USWDS template pack renders every widget the portal uses, with hints and errors."""

import re

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Reset, Submit
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import RequestContext, Template
from django.test import RequestFactory


class EveryWidgetForm(forms.Form):
    full_name = forms.CharField(label="Full name", help_text="As on your driver's license.")
    email = forms.EmailField(label="E-mail address", required=False)
    phone = forms.CharField(label="Phone", widget=forms.TextInput(attrs={"type": "tel"}))
    employees = forms.IntegerField(label="Employees")
    opened_on = forms.DateField(label="Opened on", widget=forms.DateInput(attrs={"type": "date"}))
    password = forms.CharField(label="Password", widget=forms.PasswordInput)
    description = forms.CharField(label="Description", widget=forms.Textarea)
    county = forms.ChoiceField(label="County", choices=[("north", "North"), ("south", "South")])
    size = forms.ChoiceField(
        label="Size",
        choices=[("small", "Small"), ("large", "Large")],
        widget=forms.RadioSelect,
        help_text="Pick the closest.",
    )
    agree = forms.BooleanField(label="I agree", help_text="You must agree to continue.")
    days = forms.MultipleChoiceField(
        label="Days",
        choices=[("mon", "Monday"), ("tue", "Tuesday")],
        widget=forms.CheckboxSelectMultiple,
    )
    document = forms.FileField(label="Document")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("county") == "south":
            raise forms.ValidationError("We do not serve the south county online.")
        return cleaned


VALID_DATA = {
    "full_name": "Ana Ruiz",
    "email": "ana@example.org",
    "phone": "555-010-0123",
    "employees": "3",
    "opened_on": "2024-05-01",
    "password": "a-long-passphrase",
    "description": "A bakery.",
    "county": "north",
    "size": "small",
    "agree": "on",
    "days": ["mon", "tue"],
    "token": "abc",
}


def render(template: str, **context) -> str:
    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    return Template("{% load crispy_forms_tags %}" + template).render(
        RequestContext(request, context)
    )


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def tag(html: str, element_id: str) -> str:
    """Return the opening tag of the element with id `element_id`."""
    match = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', html)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def valid_form() -> EveryWidgetForm:
    return EveryWidgetForm(
        data=VALID_DATA, files={"document": SimpleUploadedFile("plan.pdf", b"%PDF-1.4")}
    )


def test_each_widget_gets_its_uswds_control_tied_to_its_label():
    # given
    form = EveryWidgetForm()

    # when
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    for field_id, css in [
        ("id_full_name", "usa-input"),
        ("id_email", "usa-input"),
        ("id_phone", "usa-input"),
        ("id_employees", "usa-input"),
        ("id_opened_on", "usa-input"),
        ("id_password", "usa-input"),
        ("id_description", "usa-textarea"),
        ("id_county", "usa-select"),
        ("id_agree", "usa-checkbox__input"),
        ("id_document", "usa-file-input"),
    ]:
        assert css in tag(html, field_id).split('class="')[1].split('"')[0].split()
        assert f'for="{field_id}"' in html
    assert 'type="tel"' in tag(html, "id_phone")
    assert 'type="number"' in tag(html, "id_employees")
    assert 'type="date"' in tag(html, "id_opened_on")
    assert 'type="password"' in tag(html, "id_password")
    assert 'type="email"' in tag(html, "id_email")
    assert '<input type="hidden" name="token" id="id_token">' in html


def test_radios_and_checkbox_groups_sit_in_a_fieldset_with_a_legend():
    # given
    form = EveryWidgetForm()

    # when
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    assert (
        '<fieldset class="usa-fieldset" aria-describedby="id_size_helptext"> '
        '<legend class="usa-legend">Size</legend> '
        '<div class="usa-hint" id="id_size_helptext">Pick the closest.</div>'
    ) in html
    assert 'class="usa-radio__input" name="size" value="small" id="id_size_0" required' in html
    assert '<label class="usa-radio__label" for="id_size_0">Small</label>' in html
    assert '<legend class="usa-legend">Days</legend>' in html
    assert 'class="usa-checkbox__input" name="days" value="tue" id="id_days_1"' in html
    assert '<label class="usa-checkbox__label" for="id_days_1">Tuesday</label>' in html


def test_hint_text_is_tied_to_its_control_by_id():
    # given
    form = EveryWidgetForm()

    # when
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    assert '<div class="usa-hint" id="id_full_name_helptext">' in html
    assert 'aria-describedby="id_full_name_helptext"' in tag(html, "id_full_name")
    assert (
        '<span class="usa-checkbox__label-description" id="id_agree_helptext">'
        "You must agree to continue.</span>"
    ) in html
    assert 'aria-describedby="id_agree_helptext"' in tag(html, "id_agree")


def test_optional_fields_say_so_in_their_label():
    # given
    form = EveryWidgetForm()

    # when
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    assert (
        '<label class="usa-label" for="id_email">E-mail address '
        '<span class="usa-hint">(optional)</span></label>'
    ) in html
    assert '<label class="usa-label" for="id_full_name">Full name</label>' in html


def test_a_valid_form_shows_no_error_summary():
    # given
    form = valid_form()

    # when
    assert form.is_valid()
    html = render("{{ form|crispy }}", form=form)

    # then
    assert "usa-alert--error" not in html
    assert "usa-error-message" not in html


def test_invalid_form_has_an_error_summary_linking_to_each_invalid_field():
    # given
    data = {**VALID_DATA, "full_name": "", "email": "not-an-address", "county": "south"}
    data.pop("size")
    data.pop("days")
    form = EveryWidgetForm(data=data, files={})

    # when
    assert not form.is_valid()
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    summary = html.split('<div class="usa-alert usa-alert--error')[1].split("</ul>")[0]
    assert 'role="alert"' in summary
    assert '<h2 class="usa-alert__heading" tabindex="-1">There is a problem</h2>' in summary
    items = re.findall(r"<li>(.*?)</li>", summary)
    assert items == [
        "We do not serve the south county online.",
        '<a href="#id_full_name">Full name: This field is required.</a>',
        '<a href="#id_email">E-mail address: Enter a valid email address.</a>',
        '<a href="#id_size_0">Size: This field is required.</a>',
        '<a href="#id_days_0">Days: This field is required.</a>',
        '<a href="#id_document">Document: This field is required.</a>',
    ]
    assert html.index("usa-alert--error") < html.index('id="id_full_name"')


def test_invalid_field_is_marked_inline_and_described_by_its_error():
    # given
    form = EveryWidgetForm(data={**VALID_DATA, "full_name": "", "employees": "many"})

    # when
    form.is_valid()
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    assert '<div id="div_id_full_name" class="usa-form-group usa-form-group--error">' in html
    assert '<label class="usa-label usa-label--error" for="id_full_name">' in html
    assert (
        '<span class="usa-error-message" id="id_full_name_error">'
        '<span class="usa-sr-only">Error: </span>This field is required.</span>'
    ) in html
    full_name = tag(html, "id_full_name")
    assert 'aria-invalid="true"' in full_name
    assert 'aria-describedby="id_full_name_helptext id_full_name_error"' in full_name
    assert "usa-input--error" in full_name
    assert 'aria-describedby="id_employees_error"' in tag(html, "id_employees")


def test_invalid_radio_group_describes_the_fieldset_by_its_error():
    # given
    data = {**VALID_DATA}
    data.pop("size")
    form = EveryWidgetForm(data=data)

    # when
    form.is_valid()
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    assert (
        '<div id="div_id_size" class="usa-form-group usa-form-group--error"> '
        '<fieldset class="usa-fieldset" aria-describedby="id_size_helptext id_size_error">'
    ) in html
    assert '<span class="usa-error-message" id="id_size_error">' in html


def test_typed_values_are_kept_after_an_invalid_post():
    # given
    form = EveryWidgetForm(data={**VALID_DATA, "email": "ana@", "county": "south"})

    # when
    form.is_valid()
    html = squash(render("{{ form|crispy }}", form=form))

    # then
    assert 'value="Ana Ruiz"' in tag(html, "id_full_name")
    assert 'value="ana@"' in tag(html, "id_email")
    assert 'value="3"' in tag(html, "id_employees")
    assert 'value="2024-05-01"' in tag(html, "id_opened_on")
    assert re.search(r'id="id_description">\s*A bakery\.</textarea>', html)
    assert '<option value="south" selected>South</option>' in html
    assert 'value="small" id="id_size_0" required checked' in html
    assert 'value="mon" id="id_days_0" checked' in html
    assert "checked" in tag(html, "id_agree")
    # A password is never sent back to the browser.
    assert "value=" not in tag(html, "id_password")


def test_crispy_tag_renders_the_form_element_csrf_layout_fieldset_and_buttons():
    # given
    form = EveryWidgetForm()
    form.helper = FormHelper()
    form.helper.form_action = "/apply/"
    form.helper.layout = Layout(Fieldset("About you", "full_name", "email"))
    form.helper.add_input(Submit("save", "Save and continue"))
    form.helper.add_input(Reset("reset", "Start again"))

    # when
    html = squash(render("{% crispy form %}", form=form))

    # then
    assert html.strip().startswith(
        '<form action="/apply/" method="post" enctype="multipart/form-data">'
    )
    assert 'name="csrfmiddlewaretoken"' in html
    assert (
        '<fieldset class="usa-fieldset margin-top-4"> '
        '<legend class="usa-legend usa-legend--large">About you</legend>'
    ) in html
    assert (
        '<input type="submit" name="save" value="Save and continue" class="usa-button" '
        'id="submit-id-save">'
    ) in html
    assert 'class="usa-button usa-button--outline" id="reset-id-reset"' in html
    assert 'id="id_county"' not in html


def test_crispy_tag_shows_the_error_summary_above_a_layout():
    # given
    form = EveryWidgetForm(data={**VALID_DATA, "full_name": ""})
    form.helper = FormHelper()
    form.helper.layout = Layout("full_name")
    form.is_valid()

    # when
    html = squash(render("{% crispy form %}", form=form))

    # then
    assert '<a href="#id_full_name">Full name: This field is required.</a>' in html
    assert html.index("usa-alert--error") < html.index('id="id_full_name"')


@pytest.mark.parametrize("language", ["en", "es"])
def test_error_summary_heading_is_translated(language):
    # given
    from django.utils import translation

    form = EveryWidgetForm(data={})
    form.is_valid()

    # when
    with translation.override(language):
        html = render("{{ form|crispy }}", form=form)

    # then
    heading = {"en": "There is a problem", "es": "Hay un problema"}[language]
    assert f'tabindex="-1">{heading}</h2>' in html


class NameForm(forms.Form):
    name = forms.CharField(label="Name")


def test_formsets_render_with_management_form_and_each_form():
    # given
    NameFormSet = forms.formset_factory(NameForm, extra=2)
    formset = NameFormSet(prefix="people")
    helper = FormHelper()
    helper.add_input(Submit("save", "Save"))

    # when
    filtered = squash(render("{{ formset|crispy }}", formset=formset))
    tagged = squash(render("{% crispy formset helper %}", formset=formset, helper=helper))

    # then
    for html in (filtered, tagged):
        assert 'name="people-TOTAL_FORMS"' in html
        assert '<label class="usa-label" for="id_people-0-name">Name</label>' in html
        assert '<label class="usa-label" for="id_people-1-name">Name</label>' in html
    assert 'class="usa-button" id="submit-id-save"' in tagged
