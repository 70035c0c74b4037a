"""``python -m chaffra_telemetry``: a short, self-contained tour of the library.

It records a small simulated analysis run (including a plugin trying to pass
its data off as a user metric), then shows what each audience would receive.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._churn import FindingFingerprint, compute_churn
from chaffra_telemetry._collector import TelemetryCollector
from chaffra_telemetry._config import TelemetryConfig
from chaffra_telemetry._metrics import MetricDataPoint
from chaffra_telemetry._projection import project


def simulated_run() -> TelemetryCollector:
    """A collector holding one run of three modules, churn and a spoofing plugin."""
    collector = TelemetryCollector(TelemetryConfig(audience=TelemetryAudience.ON))
    collector.register_core_metrics()
    collector.set_files_total(42)
    for module, duration, findings in (("dead-code", 37, 2), ("complexity", 55, 1)):
        collector.record_module_call(module, duration, had_error=False)
        collector.record_module_findings(module, findings, {"warning": findings})
    collector.record_module_call("security", 80, had_error=True)
    collector.record_module_summary_metric("complexity", "health_score", 81.5)
    previous = {FindingFingerprint(rule_id="dead-code:unused-function", file="a.py", start_line=3)}
    current = previous | {FindingFingerprint(rule_id="complexity:high", file="b.py", start_line=9)}
    collector.record_finding_churn(compute_churn(current, previous))
    spoof = MetricDataPoint(name="chaffra.analysis.findings_total", value=999.0, timestamp_ms=0)
    collector.record_untrusted_data_points([spoof])
    collector.finish_analysis()
    return collector


def main(argv: Sequence[str] | None = None) -> int:
    """Print what each audience receives for the simulated run."""
    parser = argparse.ArgumentParser(prog="python -m chaffra_telemetry", description=__doc__)
    parser.add_argument(
        "--audience",
        choices=[a.value for a in TelemetryAudience],
        help="print the full JSON payload for this audience",
    )
    args = parser.parse_args(argv)
    snapshot = simulated_run().snapshot()
    if args.audience:
        sys.stdout.write(project(snapshot, TelemetryAudience(args.audience)).to_json() + "\n")
        return 0
    sys.stdout.write("What each audience receives from one simulated run:\n\n")
    sys.stdout.write(f"{'audience':<14}{'points':>7}{'defs':>6}{'spans':>6}  metric names\n")
    for audience in TelemetryAudience:
        projected = project(snapshot, audience)
        names = sorted({p.name for p in projected.data_points})
        sys.stdout.write(
            f"{audience.value:<14}{len(projected.data_points):>7}"
            f"{len(projected.definitions):>6}{len(projected.spans):>6}  "
            f"{', '.join(n.removeprefix('chaffra.') for n in names) or '-'}\n"
        )
    sys.stdout.write(
        "\nThe plugin's spoofed 'chaffra.analysis.findings_total' reaches only 'on';\n"
        "operator latencies and errors never reach 'user-only' (the default).\n"
        "Full payload: python -m chaffra_telemetry --audience user-only\n"
    )
    return 0


if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess test
    raise SystemExit(main())
