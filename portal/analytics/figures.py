"""What one chart shows: its table (the accessible, downloadable form) and its series."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass
class Figures:
    """One chart's data.

    `rows` hold plain values (numbers, dates, text) for the CSV; `display` the same rows as
    the page shows them (formatted money, percentages). `kind` is the pygal chart class
    name; `series` are (name, values) in the order of `x_labels`. `scope_note` says when the
    figures are the whole agency's whatever department the reader chose.
    """

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    display: list[list] = field(default_factory=list)
    kind: str = "Bar"
    x_labels: list[str] = field(default_factory=list)
    series: list[tuple[str, list]] = field(default_factory=list)
    note: str = ""
    scope_note: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def weighted_median(counts: dict[int, int]) -> int | float | None:
    """The median of values given as {value: how many times}; None when there are none.

    An even count gives the mean of the two middle values, as `statistics.median` would.
    """
    total = sum(counts.values())
    if total == 0:
        return None
    # The 1-based positions of the middle value(s).
    low_position, high_position = (total + 1) // 2, total // 2 + 1
    low = high = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen >= low_position:
            low = value
        if seen >= high_position:
            high = value
            break
    middle = (low + high) / 2
    return int(middle) if middle.is_integer() else middle


def period_start(*, today: datetime.date, weeks: int) -> datetime.date:
    """The Monday that starts the last `weeks` weeks (this week included)."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday - datetime.timedelta(weeks=weeks - 1)
