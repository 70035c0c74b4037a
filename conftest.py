"""Repository-wide test settings: hypothesis has no per-example deadline (the 2-core CI
machine and coverage make timings noisy; performance is measured in tools/bench/)."""

from __future__ import annotations

import contextlib

with contextlib.suppress(ImportError):  # every test environment has it; be safe anyway
    from hypothesis import settings

    settings.register_profile("chaffra", deadline=None)
    settings.load_profile("chaffra")
