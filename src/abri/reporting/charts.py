"""Geometry of the server-rendered SVG charts and the site map (no JavaScript, no chart library).

The templates draw what these compute: bar lengths in percent of the largest value, and
sites placed by their coordinates in a fixed view box (an equirectangular projection is
enough at the scale of a region).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

ROW_HEIGHT = 40


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | str  # as shown ("<5" outside the organisation)
    percent: int  # of the largest bar
    y: int  # offset of the row in the chart


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: int


def bar_chart(items: Sequence[tuple[str, int]], *, shown: Sequence[int | str] | None = None) -> BarChart:
    """Horizontal bars for ``items`` (label, value); ``shown`` replaces the values written beside them."""
    largest = max((value for _label, value in items), default=0)
    bars = [
        Bar(
            label=label,
            value=shown[index] if shown is not None else value,
            percent=round(100 * value / largest) if largest else 0,
            y=index * ROW_HEIGHT,
        )
        for index, (label, value) in enumerate(items)
    ]
    return BarChart(bars=bars, height=len(bars) * ROW_HEIGHT)


@dataclass(frozen=True)
class MapPoint:
    label: str
    value: int
    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class SiteMap:
    points: list[MapPoint]
    width: int = 320
    height: int = 220


def site_map(sites: Sequence[tuple[str, Decimal, Decimal, int]], *, width: int = 320, height: int = 220) -> SiteMap:
    """Sites (name, latitude, longitude, households) placed in a ``width`` × ``height`` box, circles by households."""
    if not sites:
        return SiteMap(points=[], width=width, height=height)
    latitudes = [float(latitude) for _name, latitude, _longitude, _count in sites]
    longitudes = [float(longitude) for _name, _latitude, longitude, _count in sites]
    margin = 24.0
    span_x = max(max(longitudes) - min(longitudes), 0.5)
    span_y = max(max(latitudes) - min(latitudes), 0.5)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    centre_x = (max(longitudes) + min(longitudes)) / 2
    centre_y = (max(latitudes) + min(latitudes)) / 2
    largest = max((count for *_rest, count in sites), default=0) or 1
    points = [
        MapPoint(
            label=name,
            value=count,
            x=round(width / 2 + (float(longitude) - centre_x) * scale, 1),
            y=round(height / 2 - (float(latitude) - centre_y) * scale, 1),
            radius=round(4 + 14 * math.sqrt(count / largest), 1),
        )
        for name, latitude, longitude, count in sites
    ]
    return SiteMap(points=points, width=width, height=height)
