"""Template filters for the layout's cached fragments (the "fragments" cache)."""

from django import template

register = template.Library()


@register.filter
def versions(items, fields: str) -> str:
    """Return the named attributes of every item of `items`, joined: part of the key of a
    cached fragment that shows those items, so it changes whenever one of them does.

    Usage: ``{% cache 86400 "rows" layout_key cases|versions:"pk status updated_at" %}``.
    """
    names = fields.split()
    return ";".join(",".join(str(getattr(item, name)) for name in names) for item in items)
