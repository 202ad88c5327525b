"""The messages chart: messages and reminders by channel and by where they stand."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from notifications.models import DeliveryStatus, NotificationChannel, NotificationStatus
from portal.analytics.figures import Figures
from portal.analytics.models import MessageDay
from portal.analytics.selectors.labels import agency_wide_note, start_of_period

# How the dashboard groups a message: by the provider's report once the dispatcher sent it
# (delivered, bounced, or no report yet: SMS and in-app messages never have one), else by
# the dispatcher's status (failed, skipped, still on its way).
_SENT = NotificationStatus.SENT
_MESSAGE_OUTCOMES = (
    ((_SENT, DeliveryStatus.UNKNOWN),),
    ((_SENT, DeliveryStatus.DELIVERED),),
    ((_SENT, DeliveryStatus.BOUNCED),),
    ((NotificationStatus.FAILED, ""),),
    ((NotificationStatus.SKIPPED, ""),),
    ((NotificationStatus.PENDING, ""), (NotificationStatus.SENDING, "")),
)


def messages(*, weeks: int) -> Figures:
    """Messages and reminders by channel: sent (no report yet), delivered, bounced, failed,
    skipped and still waiting."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for channel, status, delivery, count in (
        MessageDay.objects.filter(day__gte=start_of_period(weeks))
        .values_list("channel", "status", "delivery")
        .annotate(count=Sum("messages"))
    ):
        # A report on a message the dispatcher did not count as sent is not expected; it
        # is counted by its status.
        totals[channel, status, delivery if status == _SENT else ""] += count
    outcome_labels = [
        _("Sent, no report yet"),
        pgettext("analytics", "Delivered"),
        pgettext("analytics", "Bounced"),
        pgettext("analytics", "Failed"),
        pgettext("analytics", "Skipped"),
        _("Waiting to be sent"),
    ]
    channels = [
        (code, str(label))
        for code, label in NotificationChannel.choices
        if any(key[0] == code for key in totals)
    ]
    figures = Figures(
        key="messages",
        title=_("Messages and reminders by channel"),
        columns=[_("Channel"), *outcome_labels],
        kind="StackedBar",
        scope_note=agency_wide_note(),
        x_labels=[label for _code, label in channels],
        note=_(
            "E-mail providers report delivery and bounces when their delivery webhook is "
            "set up; until a report arrives, and for text and in-app messages, “sent” "
            "means the message was accepted."
        ),
    )
    for code, label in channels:
        counts = [
            sum(totals[code, status, delivery] for status, delivery in group)
            for group in _MESSAGE_OUTCOMES
        ]
        figures.rows.append([label, *counts])
        figures.display.append([label, *counts])
    figures.series = [
        (outcome, [row[1 + index] for row in figures.rows])
        for index, outcome in enumerate(outcome_labels)
    ]
    return figures
