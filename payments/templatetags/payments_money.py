from django import template

from payments.money import format_cents

register = template.Library()


@register.filter
def money(cents, currency):
    """{{ invoice.total_cents|money:invoice.currency }} -> "$123.45"."""
    if cents is None or cents == "":
        return ""
    return format_cents(int(cents), str(currency))
