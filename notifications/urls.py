from django.urls import path

from notifications import views, webhooks

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("sms/twilio/inbound/", webhooks.twilio_inbound, name="twilio_inbound"),
]
