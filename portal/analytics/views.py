"""The analytics pages: the supervisors' dashboard (under /staff/, kept to staff with
two-factor authentication by accounts.middleware) and the public performance page."""

from __future__ import annotations

import csv
from urllib.parse import urlencode

from csp.constants import NONE
from csp.decorators import csp
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cases import permissions
from cases.models import Department
from concerns.views import map_settings
from portal.analytics import selectors
from portal.analytics.charts import PALETTE, chart_svg
from portal.analytics.figures import Figures
from portal.csvstream import cell

DEFAULT_WEEKS = 12
PUBLIC_WEEKS = 52
# An SVG image's own policy: its inline <style> only; no script, nothing fetched.
_SVG_POLICY = csp({"default-src": [NONE], "style-src": ["'unsafe-inline'"]})


class PeriodForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label=gettext_lazy("Period"),
        coerce=int,
        choices=[
            (4, gettext_lazy("Last 4 weeks")),
            (12, gettext_lazy("Last 12 weeks")),
            (26, gettext_lazy("Last 26 weeks")),
            (52, gettext_lazy("Last 52 weeks")),
        ],
        initial=DEFAULT_WEEKS,
    )


def _weeks(request: HttpRequest) -> tuple[PeriodForm, int]:
    form = PeriodForm(request.GET if "weeks" in request.GET else None)
    return form, form.cleaned_data["weeks"] if form.is_valid() else DEFAULT_WEEKS


def _scope(request: HttpRequest) -> selectors.AnalyticsScope:
    """The reader's scope, narrowed to the department the request names (PermissionDenied,
    with the reason, for one they may not read)."""
    return selectors.analytics_scope(
        user=request.user, department=request.GET.get("department") or None
    )


def _query(weeks: int, department: Department | None) -> str:
    """The period and the chosen department, as the chart and CSV links carry them."""
    values = {"weeks": weeks}
    if department is not None:
        values["department"] = department.pk
    return "?" + urlencode(values)


def _chart(
    key: str, weeks: int, scope: selectors.AnalyticsScope, *, among: dict = selectors.CHARTS
) -> Figures:
    if key not in among:
        raise Http404
    return among[key](weeks=weeks, scope=scope)


def _number(value) -> str:
    return "" if value is None else str(value)


def _csv(figures: Figures, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(figures.columns)
    # Names (a department's is typed by an administrator) are neutralised as every CSV's
    # text is; numbers, negative ones included, are written as they are.
    writer.writerows(
        [
            [cell(value) if isinstance(value, str) else _number(value) for value in row]
            for row in figures.rows
        ]
    )
    return response


def _svg(figures: Figures) -> HttpResponse:
    svg = chart_svg(figures, no_data_text=_("No figures for this period"))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every chart with its table and a CSV download, for supervisors and administrators."""
    if not permissions.may_read_analytics(request.user):
        # The page says why, where the site's 403 page could only say "no access".
        return render(request, "analytics/not_allowed.html", status=403)
    try:
        scope = _scope(request)
    except PermissionDenied as refusal:
        # A department the reader may not read (an edited address): said plainly, no figures.
        return render(request, "analytics/not_allowed.html", {"reason": refusal}, status=403)
    form, weeks = _weeks(request)
    report_map = selectors.report_map(weeks=weeks, scope=scope)
    map_enabled = bool(settings.MAP_TILE_URL)
    context = {
        "form": form,
        "weeks": weeks,
        "scope": scope,
        "query": _query(weeks, scope.department),
        "charts": selectors.dashboard(weeks=weeks, scope=scope),
        "refresh": selectors.last_refresh(),
        "map_enabled": map_enabled,
        "report_map": report_map,
    }
    if map_enabled:
        points = selectors.report_map_points(report_map)
        context["report_map_points"] = points
        context["report_map_settings"] = {**map_settings(), "colours": list(PALETTE)}
        context["report_map_legend"] = _legend(points)
    return render(request, "analytics/dashboard.html", context)


def _legend(points: list[dict]) -> list[dict]:
    """Each category once, in the table's order, with its colour and its reports."""
    legend: dict[str, dict] = {}
    for point in points:
        name = point["category"]
        entry = legend.setdefault(name, {"name": name, "colour": point["colour"], "count": 0})
        entry["count"] += point["count"]
    return list(legend.values())


@require_GET
def chart_csv(request: HttpRequest, key: str) -> HttpResponse:
    scope = _scope(request)
    _form, weeks = _weeks(request)
    department = f"{slugify(scope.department.code)}-" if scope.department else ""
    return _csv(
        _chart(key, weeks, scope, among=selectors.TABLES),
        f"{key}-{department}{weeks}-weeks.csv",
    )


@_SVG_POLICY
@require_GET
def chart_image(request: HttpRequest, key: str) -> HttpResponse:
    scope = _scope(request)
    _form, weeks = _weeks(request)
    return _svg(_chart(key, weeks, scope))


@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    """The public performance page: requests by service, the share closed within the target
    and the median days to close over the last year. No sign-in, no personal data."""
    context = {
        "figures": selectors.public_performance(weeks=PUBLIC_WEEKS),
        "weeks": PUBLIC_WEEKS,
        "refresh": selectors.last_refresh(),
    }
    return render(request, "analytics/performance.html", context)


@require_GET
def performance_csv(request: HttpRequest) -> HttpResponse:
    return _csv(selectors.public_performance(weeks=PUBLIC_WEEKS), "performance.csv")


@_SVG_POLICY
@require_GET
def performance_image(request: HttpRequest) -> HttpResponse:
    return _svg(selectors.public_performance(weeks=PUBLIC_WEEKS))
