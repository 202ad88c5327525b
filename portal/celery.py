"""The Celery application: configured from Django settings (CELERY_*), tasks autodiscovered."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def urls_load(**_kwargs) -> None:
    """Load the URL configuration once, as the worker starts (before its pool forks).

    Tasks build links with `reverse()` (reminders, notices, receipts), and the first call in
    a process imports every app's URLs and views: a third of a second that the first task
    of each process would otherwise spend inside its own run, a reminder rule among them
    (docs/performance.md, "Tax reminders").
    """
    from django.urls import get_resolver

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (imports the URL modules)
    resolver.reverse_dict  # noqa: B018 (builds the reverse lookup)
