from django.conf import settings


def agency(request):
    """Expose the agency's branding (settings.AGENCY) to every template as `agency`."""
    return {"agency": settings.AGENCY}
