from django import template

from notifications.selectors import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_message_count(context) -> int:
    """Return how many in-app messages the signed-in person has not read: 0 when signed out.

    Usage: ``{% load notifications %}{% unread_message_count as count %}``.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return unread_count(user=user)
