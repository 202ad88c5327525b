import anymail.urls
from django.urls import include, path

from notifications import views, webhooks

# Providers' delivery reports only (no inbound mail), and none whose view needs a library the
# portal does not install (Amazon SES needs boto3): such an address would answer with a
# server error instead of a 404.
_NOT_INSTALLED = {"amazon_ses_tracking_webhook"}
_DELIVERY_REPORTS = [
    pattern
    for pattern in anymail.urls.urlpatterns
    if pattern.name.endswith("tracking_webhook") and pattern.name not in _NOT_INSTALLED
]

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("sms/twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
    path("sms/twilio/status/", webhooks.twilio_status, name="twilio_status"),
    # E-mail providers' delivery reports (bounces), through django-anymail: see receivers.py.
    path("anymail/", include((_DELIVERY_REPORTS, "anymail"))),
]
