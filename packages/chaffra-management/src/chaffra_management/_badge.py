"""The health badge as a self-contained SVG, in the look of ``chaffra health --format badge-svg``.

The score and grade, coloured by grade; "not graded" in grey without a score.
Every text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

__all__ = ["badge_svg"]

LABEL = "chaffra health"
NOT_GRADED = "not graded"
_COLORS: Mapping[str, str] = {
    "A": "#4c1",
    "B": "#97ca00",
    "C": "#dfb317",
    "D": "#fe7d37",
    "F": "#e05d44",
}
_GREY = "#9f9f9f"
_CHAR_WIDTH = 7  # Verdana 11px averages ~6.5 px per character; round up so text never clips
_PADDING = 10


def badge_svg(score: float | None, grade: str) -> str:
    """A flat SVG badge: ``chaffra health | 82.5 (B)``, or ``not graded`` without a score."""
    if score is None:
        message, color = NOT_GRADED, _GREY
    else:
        message, color = f"{score:.1f} ({grade})", _COLORS.get(grade, _GREY)
    left = len(LABEL) * _CHAR_WIDTH + _PADDING
    right = len(message) * _CHAR_WIDTH + _PADDING
    width = left + right
    label, shown = (escape(t, {'"': "&quot;"}) for t in (LABEL, message))
    title = f"{label}: {shown}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" '
        f'role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        f'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{color}"/>'
        f'<rect width="{width}" height="20" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" '
        f'font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{label}</text>'
        f'<text x="{left + right / 2}" y="14">{shown}</text></g></svg>\n'
    )
