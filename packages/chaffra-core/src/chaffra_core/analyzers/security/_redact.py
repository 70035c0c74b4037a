"""The one form a secret takes on any output path: a short prefix and a stable hash.

``redact("ghp_abcdef...")`` is ``ghp_…#1f2e3d4c5b6a``: enough to recognise
which credential it is and to match it across runs (baselines, churn), never
enough to use it. Secrets shorter than 16 characters show at most 2 of them,
shorter than 8 none.
"""

from __future__ import annotations

import hashlib

__all__ = ["redact"]

_HASH_CHARS = 12


def redact(secret: str) -> str:
    """``prefix…#hash`` of ``secret`` (prefix: 4 characters from 16 up, 2 from 8 up, else none)."""
    shown = 4 if len(secret) >= 16 else 2 if len(secret) >= 8 else 0
    digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_CHARS]
    return f"{secret[:shown]}…#{digest}"
