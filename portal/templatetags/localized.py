"""`{{ license_type|localized:"name" }}`: an administrator's text in the reader's language
(see portal.localized). Installed as a built-in, so templates need no `{% load %}`."""

from django import template

from portal.localized import localized as localized_text

register = template.Library()


@register.filter
def localized(obj, field: str) -> str:
    if obj is None or obj == "":
        return ""
    return localized_text(obj, field)
