"""Server-rendered SVG charts for the dashboard.

Inline SVG needs no JavaScript and no third-party chart library, prints and scales on a phone, and
passes a strict Content-Security-Policy (no inline scripts, no style attributes: colours come from
CSS classes in dashboard.css).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape


@dataclass(frozen=True)
class DayCount:
    day: date
    passed: int
    failed: int


@dataclass(frozen=True)
class Chart:
    svg: Markup
    summary: str
    days: int


def fill_days(counts: dict[date, tuple[int, int]], end: date, days: int) -> list[DayCount]:
    """One entry per calendar day so quiet days show as gaps, not as missing bars."""
    start = end - timedelta(days=days - 1)
    out = []
    for i in range(days):
        d = start + timedelta(days=i)
        passed, failed = counts.get(d, (0, 0))
        out.append(DayCount(d, passed, failed))
    return out


def attempts_chart(series: list[DayCount], width: int = 640, height: int = 200) -> Chart:
    """Stacked bars (passed on the bottom, not-yet on top) with a y axis of attempts per day."""
    pad_l, pad_r, pad_t, pad_b = 32, 8, 10, 24
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max((d.passed + d.failed for d in series), default=0)
    y_max = max(4, _nice_ceiling(top))
    slot = plot_w / max(1, len(series))
    bar_w = max(2.0, slot * 0.7)

    def y(v: float) -> float:
        return pad_t + plot_h - plot_h * v / y_max

    parts: list[str] = []
    for tick in (0, y_max // 2, y_max):
        parts.append(
            f'<line class="axis" x1="{pad_l}" x2="{width - pad_r}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}" stroke-dasharray="{0 if tick == 0 else 2}"/>'
            f'<text x="{pad_l - 4}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for i, d in enumerate(series):
        x = pad_l + i * slot + (slot - bar_w) / 2
        label = f"{d.day.isoformat()}: {d.passed} passed, {d.failed} not yet"
        if d.passed:
            parts.append(
                f'<rect class="bar-pass" x="{x:.1f}" y="{y(d.passed):.1f}" width="{bar_w:.1f}" '
                f'height="{y(0) - y(d.passed):.1f}"><title>{escape(label)}</title></rect>'
            )
        if d.failed:
            total = d.passed + d.failed
            parts.append(
                f'<rect class="bar-fail" x="{x:.1f}" y="{y(total):.1f}" width="{bar_w:.1f}" '
                f'height="{y(d.passed) - y(total):.1f}"><title>{escape(label)}</title></rect>'
            )
        if i % 7 == 0 or i == len(series) - 1:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                f'{d.day.strftime("%d %b")}</text>'
            )
    total_pass = sum(d.passed for d in series)
    total_fail = sum(d.failed for d in series)
    active = sum(1 for d in series if d.passed or d.failed)
    summary = (
        f"{total_pass + total_fail} attempts on {active} of {len(series)} days: "
        f"{total_pass} passed (green), {total_fail} not yet (red)."
    )
    svg = (
        f'<svg class="chart" id="attempts-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(summary)}" xmlns="http://www.w3.org/2000/svg">'
        + "".join(parts)
        + "</svg>"
    )
    return Chart(svg=Markup(svg), summary=summary, days=len(series))


def _nice_ceiling(v: int) -> int:
    """Round the axis top up to an even number so the middle tick is a whole attempt count."""
    return v + (v % 2)
