"""Badges: a shields.io endpoint document and a self-contained SVG (spec cli-and-core §9.7).

With health, the badge shows the score and grade, coloured by grade; without
it, the finding count (red with errors, yellow with other findings, green
when clean). The SVG needs no service: commit it or publish it as a CI
artifact.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

import attrs

from chaffra_core._findings import HealthGrade, Severity
from chaffra_core._result import RunResult
from chaffra_core.output._common import format_health
from chaffra_core.output._json import dumps

__all__ = ["Badge", "badge_for", "render_badge", "render_badge_svg"]

_GRADE_COLORS: Mapping[HealthGrade, str] = {
    HealthGrade.A: "brightgreen",
    HealthGrade.B: "green",
    HealthGrade.C: "yellow",
    HealthGrade.D: "orange",
    HealthGrade.F: "red",
}
_HEX = {
    "brightgreen": "#4c1",
    "green": "#97ca00",
    "yellow": "#dfb317",
    "orange": "#fe7d37",
    "red": "#e05d44",
    "lightgrey": "#9f9f9f",
}
_CHAR_WIDTH = 7  # Verdana 11px averages ~6.5 px per character; round up so text never clips
_PADDING = 10


@attrs.frozen(kw_only=True)
class Badge:
    """What a badge says: ``label``, ``message`` and a shields.io colour name."""

    label: str
    message: str
    color: str


def badge_for(result: RunResult) -> Badge:
    """The health badge when health was computed, else the findings badge."""
    if result.health is not None:
        health = result.health
        return Badge(
            label="chaffra health",
            message=format_health(health),
            color="lightgrey" if health.grade is None else _GRADE_COLORS[health.grade],
        )
    errors = result.count(Severity.ERROR)
    if errors:
        return Badge(label="chaffra", message=f"{errors} error(s)", color="red")
    if result.findings:
        return Badge(label="chaffra", message=f"{len(result.findings)} finding(s)", color="yellow")
    return Badge(label="chaffra", message="clean", color="brightgreen")


def render_badge(result: RunResult) -> str:
    """The shields.io endpoint JSON (``https://img.shields.io/endpoint?url=...``)."""
    badge = badge_for(result)
    return dumps(
        {"schemaVersion": 1, "label": badge.label, "message": badge.message, "color": badge.color}
    )


def render_badge_svg(result: RunResult) -> str:
    """A flat SVG badge in the shields.io style."""
    badge = badge_for(result)
    left = len(badge.label) * _CHAR_WIDTH + _PADDING
    right = len(badge.message) * _CHAR_WIDTH + _PADDING
    width = left + right
    label, message = (escape(t, {'"': "&quot;"}) for t in (badge.label, badge.message))
    title = f"{label}: {message}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        f'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{_HEX[badge.color]}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" '
        f'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{label}</text>'
        f'<text x="{left + right / 2}" y="14">{message}</text></g></svg>\n'
    )
