"""The Grafana dashboard over the Prometheus backend's metrics."""

from __future__ import annotations

from chaffra_telemetry._grafana import DASHBOARD_FILE, dashboard_json, generate_grafana_dashboard

__all__ = ["DASHBOARD_FILE", "dashboard_json", "generate_grafana_dashboard"]
