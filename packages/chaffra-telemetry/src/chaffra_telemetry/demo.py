"""Deterministic demo history for the dashboard (``chaffra management --seeded``)."""

from __future__ import annotations

from chaffra_telemetry._seed import seed_live_state, seeded_reports, seeded_snapshots

__all__ = ["seed_live_state", "seeded_reports", "seeded_snapshots"]
