"""The workbench's own pages (the queue is in queue_views, the case page comes later)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.workbench import queue


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The start page of the back office: the person's work at a glance (the queue's views
    with their counts) and every work area they may open."""
    counts = None
    if queue.may_use_queue(request.user):
        numbers = queue.queue_counts(user=request.user)
        counts = [
            {"key": view.key, "label": view.label, "count": numbers[view.key]}
            for view in queue.VIEWS
        ]
    return render(request, "workbench/home.html", {"queue_counts": counts})
