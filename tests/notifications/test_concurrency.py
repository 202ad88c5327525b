import threading

import pytest
from django.core import mail
from django.db import connection

from notifications.models import Notification
from notifications.services import notifications_dispatch
from tests.notifications.backends import OverlappingEmailBackend
from tests.notifications.factories import NotificationFactory


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_never_send_a_row_twice(settings):
    # given: committed rows, and a mail backend that holds the first sender until the
    # second one sends too (it gives up after 30 s: then one dispatcher took every row)
    settings.EMAIL_BACKEND = "tests.notifications.backends.OverlappingEmailBackend"
    OverlappingEmailBackend.reset()
    rows = NotificationFactory.create_batch(40)
    start = threading.Barrier(2)
    handled: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            handled.append(notifications_dispatch(batch_size=3))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then
    assert errors == []
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(row.to_address for row in rows)
    assert sum(handled) == 40
    assert all(count > 0 for count in handled), "both dispatchers should have taken a share"
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}
