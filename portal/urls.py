from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import views

# The admin's own login form would bypass allauth's rate limits and MFA: staff sign in
# through allauth's login instead.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = settings.AGENCY["name"]
admin.site.site_title = settings.AGENCY["name"]
admin.site.index_title = _("Staff back office")

# Uploaded files are never served from MEDIA_URL: each download goes through a view that
# checks who may see it.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("staff/permits/", include("permits.staff_urls")),
    path("staff/analytics/", include("portal.analytics.urls")),
    path("staff/payments/", include("payments.urls_staff")),
    path("staff/", include("cases.workbench.urls")),
    path("staff/taxes/", include("taxes.urls_staff")),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("notifications/", include("notifications.urls")),
    path("payments/", include("payments.urls")),
    path("concerns/", include("concerns.urls")),
    path("open311/v2/", include("concerns.open311.urls")),
    path("licenses/", include("licensing.urls")),
    path("permits/", include("permits.urls")),
    path("bookings/", include("bookings.urls")),
    path("taxes/", include("taxes.urls")),
    path("staff/tax-credits/", include("taxes.urls_credits")),
    path("", include("portal.shell_urls")),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
