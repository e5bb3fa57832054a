"""Reference periods: one grammar, read in one place.

A period is a year (``2022``), a month (``2022-12``), a quarter (``2022-Q3``) or a day (``2022-12-31``), or a range
of two of them joined by ``/`` (``2020/2022``, ``2023-01/2023-06``). Validation refuses anything else (``is_period``);
pages say a period in words (``helpers.page.period_text``), charts place it on a time axis (``position``) and
comparisons ask whether two periods are alike (``alike``) through ``parse``.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

_POINT = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(0[1-9]|1[0-2])(?:-(\d{2}))?))?$")
EXAMPLES = "2022, 2022-12, 2022-Q3, 2022-12-31 or a range such as 2020/2022"


@dataclass(frozen=True)
class Point:
    """One end of a period: its year and at most one of quarter, or month (and day)."""

    year: int
    quarter: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def kind(self) -> str:
        return "day" if self.day else "month" if self.month else "quarter" if self.quarter else "year"

    def position(self) -> float:
        """The middle of the point, in years: 2022 -> 2022.5, 2022-02 -> 2022.125, 2022-Q3 -> 2022.625."""
        if self.day:
            start = datetime.date(self.year, 1, 1)
            days = 366 if calendar.isleap(self.year) else 365
            return self.year + ((datetime.date(self.year, self.month, self.day) - start).days + 0.5) / days
        if self.month:
            return self.year + (self.month - 0.5) / 12
        if self.quarter:
            return self.year + (3 * self.quarter - 1.5) / 12
        return self.year + 0.5


def _point(text: str) -> Point | None:
    match = _POINT.match(text)
    if not match:
        return None
    year, quarter, month, day = match.groups()
    point = Point(int(year), int(quarter) if quarter else None, int(month) if month else None,
                  int(day) if day else None)
    if point.day and not 1 <= point.day <= calendar.monthrange(point.year, point.month)[1]:
        return None  # 2024-02-30 is no day
    return point


def parse(text) -> tuple[Point, Point | None] | None:
    """(start, end or None) for a period in the grammar, or None for anything else (a range must run forward)."""
    text = str(text).strip()
    if "/" in text:
        first, _, last = text.partition("/")
        start, end = _point(first), _point(last)
        if start is None or end is None or end.position() <= start.position():
            return None
        return start, end
    start = _point(text)
    return None if start is None else (start, None)


def is_period(text) -> bool:
    return parse(text) is not None


def is_date(text) -> bool:
    """A publication date: a year, a month or a real day (never a quarter or a range)."""
    point = _point(str(text).strip())
    return point is not None and point.quarter is None


def position(text, year: int) -> float:
    """Where a period sits on a time axis (a range at its end); an empty period, the middle of ``year``."""
    parsed = parse(text) if text is not None and str(text).strip() else None
    if parsed is None:
        return year + 0.5
    start, end = parsed
    return (end or start).position()


def alike(a, b) -> bool:
    """Two periods of the same shape: two years, the same quarter or month of two years, the same day of two
    years, or two ranges of alike ends spanning the same number of years. An empty period is never alike."""
    pa, pb = parse(a) if a is not None else None, parse(b) if b is not None else None
    if pa is None or pb is None or (pa[1] is None) != (pb[1] is None):
        return False

    def same(x: Point, y: Point) -> bool:
        return (x.kind, x.quarter, x.month, x.day) == (y.kind, y.quarter, y.month, y.day)

    if pa[1] is None:
        return same(pa[0], pb[0])
    return (same(pa[0], pb[0]) and same(pa[1], pb[1])
            and pa[1].year - pa[0].year == pb[1].year - pb[0].year)
