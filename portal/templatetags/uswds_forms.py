"""Template filters behind the USWDS crispy-forms template pack (templates/uswds/)."""

from django import forms, template

register = template.Library()

# Layout objects written for Bootstrap (Submit, Reset, Button) carry Bootstrap classes; the
# pack swaps them for USWDS ones so service forms need not know which CSS the portal uses.
_BOOTSTRAP_BUTTON_CLASSES = {
    "btn",
    "btn-primary",
    "btn-secondary",
    "btn-default",
    "btn-inverse",
    "hidden",
}


@register.filter
def error_anchor(bound_field) -> str:
    """Return the id of the element an error-summary link should move focus to.

    Radios and checkbox groups have no element with the field's own id, so the link goes to
    the first option; a multi-part widget's first part carries the id with a `_0` suffix.
    """
    widget = bound_field.field.widget
    if isinstance(widget, forms.MultiWidget):
        return f"{bound_field.auto_id}_0"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        for option in bound_field.subwidgets:
            if option.id_for_label:
                return option.id_for_label
    return bound_field.id_for_label or bound_field.auto_id


@register.filter
def is_optional(bound_field) -> bool:
    """Whether the label says "(optional)".

    A field that is checked after the form (a license question asked only under a condition,
    or required only once the whole application is checked) is not required by Django yet
    is not optional for the resident; such a field sets `optional` itself.
    """
    return getattr(bound_field.field, "optional", not bound_field.field.required)


@register.filter
def summary_lead(label) -> str:
    """The label before its message in the error summary: "Employees:", but a label that ends
    in a question mark or other stop is followed by the message alone."""
    label = str(label).strip()
    return label if label[-1:] in "?!.:" else f"{label}:"


@register.filter
def button_classes(layout_input) -> str:
    """Return the USWDS classes for a crispy-forms Submit, Button or Reset input."""
    extra = [c for c in layout_input.field_classes.split() if c not in _BOOTSTRAP_BUTTON_CLASSES]
    classes = ["usa-button"]
    if layout_input.input_type == "reset":
        classes.append("usa-button--outline")
    return " ".join(classes + extra)


@register.filter
def is_textarea(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.Textarea)


@register.filter
def is_multiple_choice(bound_field) -> bool:
    """True for widgets rendered as a group of radios or checkboxes inside a fieldset."""
    return isinstance(bound_field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
