from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


class StaffMFAMiddleware:
    """Keep the back office (the workbench under /staff/ and the admin) to staff, and staff
    out of it until they turn on two-factor authentication.

    A signed-in resident gets 403 at once rather than the admin's login form, which would
    only invite them to try other credentials. A staff account without an authenticator is
    sent to the TOTP set-up page; once MFA is on, allauth asks for the second factor at every
    login, so the admin is never reached with a password alone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not request.path.startswith((reverse("admin:index"), reverse("workbench:home"))):
            return self.get_response(request)
        if not user.is_authenticated:
            if request.path.startswith(reverse("admin:index")):
                return self.get_response(request)  # the admin sends to allauth's login itself
            return redirect_to_login(request.get_full_path())
        if not (user.is_staff and user.is_active):
            raise PermissionDenied
        if not is_mfa_enabled(user):
            messages.warning(
                request,
                _("Set up two-factor authentication before you use the staff back office."),
            )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)


class PreferredLanguageMiddleware:
    """Use a signed-in person's preferred language unless they chose one in this session.

    The language switcher sets Django's language cookie, which wins; otherwise the profile's
    language applies, so e-mails and pages agree.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)
