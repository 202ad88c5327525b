import pytest
from django.core import mail

from notifications.tasks import dispatch_pending
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def test_task_has_the_name_beat_schedules(settings):
    assert dispatch_pending.name == "notifications.dispatch_pending"
    assert settings.CELERY_BEAT_SCHEDULE["notifications-dispatch"]["task"] == dispatch_pending.name


def test_task_runs_the_dispatcher_and_is_safe_to_run_twice():
    # given
    row = NotificationFactory()

    # when
    first = dispatch_pending.apply().get()
    second = dispatch_pending.apply().get()

    # then
    assert (first, second) == (1, 0)
    assert [m.to for m in mail.outbox] == [[row.to_address]]
