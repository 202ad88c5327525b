from django.conf import settings

from portal.theme import current_theme


def agency(request):
    """Expose the agency's branding (settings.AGENCY) and its stylesheet's version."""
    return {"agency": settings.AGENCY, "theme_version": current_theme().version}
