"""The ``telemetry`` analysis module: reports on a run's telemetry, never emits it.

It works on the run's shared collector and effective configuration, so it can
neither bypass the CLI's ``--telemetry`` flag nor flush on its own (the
original's module built its own collector and wrote files under ``off``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from chaffra_telemetry._churn import ChurnResult
from chaffra_telemetry._collector import TelemetryCollector
from chaffra_telemetry._config import BackendConfig, TelemetryConfig, merge_config
from chaffra_telemetry._converter import dumps
from chaffra_telemetry._projection import project
from chaffra_telemetry._sampling import SamplingStrategy
from chaffra_telemetry._snapshot import freeze
from chaffra_telemetry.backends import BackendStatus, create_backends
from chaffra_telemetry.errors import UnknownRule

__all__ = ["RuleExplanation", "TelemetryFinding", "TelemetryModule", "probe_backend"]

MODULE_ID = "telemetry"
_SUPPRESSION = "# chaffra: ignore[telemetry:{rule}]"


@attrs.frozen(kw_only=True)
class TelemetryFinding:
    """A finding of the telemetry module; the module host turns it into a diagnostic."""

    rule_id: str
    severity: str
    message: str
    metadata: Mapping[str, str] = attrs.field(factory=dict, converter=freeze)
    file: str = "telemetry"
    line: int = 0
    column: int = 0
    confidence: float = 1.0


@attrs.frozen(kw_only=True)
class RuleExplanation:
    """What a rule reports and why."""

    rule_id: str
    name: str
    description: str
    rationale: str
    default_severity: str = "info"
    suppression: str
    examples: tuple[str, ...]


def _explanation(
    rule: str, name: str, description: str, rationale: str, example: str
) -> RuleExplanation:
    return RuleExplanation(
        rule_id=f"{MODULE_ID}:{rule}",
        name=name,
        description=description,
        rationale=rationale,
        suppression=_SUPPRESSION.format(rule=rule),
        examples=(example,),
    )


RULES: Mapping[str, RuleExplanation] = {
    e.rule_id: e
    for e in (
        _explanation(
            "backend-status",
            "Backend status",
            "Configuration and local usability of each telemetry backend.",
            "Backend details are operator data: reported only when the audience admits it.",
            "Telemetry backend 'json-file' (json-file): connected -- will write to out.json",
        ),
        _explanation(
            "metric-summary",
            "Metric summary",
            "A summary of the run's telemetry. The payload is audience-projected: it "
            "holds exactly what the configured audience would emit.",
            "Shows what leaves the machine, before it leaves.",
            "Telemetry: 42 files, 15 data points, 3 spans",
        ),
        _explanation(
            "finding-churn",
            "Finding churn",
            "Findings new, resolved and unchanged since the previous run of the same command.",
            "Churn shows whether a codebase is getting better or worse between runs.",
            "Finding churn: 3 new, 1 resolved, 5 unchanged (churn rate: 0.38)",
        ),
        _explanation(
            "sampling-status",
            "Sampling status",
            "How often operator telemetry is emitted.",
            "Sampling configuration is operator data: reported only when the audience admits it.",
            "Sampling: rate strategy at 0.10 (10% of runs)",
        ),
    )
}


def probe_backend(backend: BackendConfig) -> BackendStatus:
    """The status of one configured backend, from the backend's own connection test."""
    _, (status,) = create_backends([backend])
    return status


class TelemetryModule:
    """Reports backend status, the projected metric summary, churn and sampling."""

    id = MODULE_ID
    name = "Telemetry"
    version = "0.1.0"
    languages: tuple[str, ...] = ()
    capabilities = ("analyze", "explain", "status")

    def __init__(
        self,
        collector: TelemetryCollector,
        *,
        backend_status: Callable[[BackendConfig], BackendStatus] = probe_backend,
    ) -> None:
        self._collector = collector
        self._backend_status = backend_status

    @property
    def rules(self) -> tuple[RuleExplanation, ...]:
        """The four rules, all of default severity ``info``."""
        return tuple(RULES.values())

    def analyze(
        self,
        module_config: Mapping[str, object] | None = None,
        *,
        churn: ChurnResult | None = None,
    ) -> list[TelemetryFinding]:
        """Findings describing this run's telemetry under its effective audience.

        ``module_config`` is a ``[modules.telemetry]`` table merged over the
        collector's effective config with the usual precedence; ``churn`` is the
        run's churn when it was computed.

        Raises:
            ConfigError: ``module_config`` is invalid (never a silent default).
        """
        config = merge_config(self._collector.config, module_config)
        audience = config.audience
        findings: list[TelemetryFinding] = []
        if audience.operator_enabled:
            findings.extend(self._backend_finding(self._backend_status(b)) for b in config.backends)
            findings.append(_sampling_finding(config))
        if audience.user_enabled or audience.operator_enabled:
            projected = project(self._collector.snapshot(), audience)
            findings.append(
                TelemetryFinding(
                    rule_id=f"{MODULE_ID}:metric-summary",
                    severity="info",
                    message=(
                        f"Telemetry: {projected.user_summary.files_total} files, "
                        f"{len(projected.data_points)} data points, {len(projected.spans)} spans"
                    ),
                    metadata={"summary": dumps(projected.to_dict()["user_summary"], indent=2)},
                )
            )
        if churn is not None and audience.user_enabled:
            findings.append(
                TelemetryFinding(
                    rule_id=f"{MODULE_ID}:finding-churn",
                    severity="info",
                    message=(
                        f"Finding churn: {churn.new} new, {churn.resolved} resolved, "
                        f"{churn.unchanged} unchanged (churn rate: {churn.churn_rate:.2f})"
                    ),
                )
            )
        return findings

    @staticmethod
    def _backend_finding(status: BackendStatus) -> TelemetryFinding:
        state = "connected" if status.connected else "disconnected"
        return TelemetryFinding(
            rule_id=f"{MODULE_ID}:backend-status",
            severity="info" if status.connected else "warning",
            message=(
                f"Telemetry backend '{status.name}' ({status.kind}): {state} -- {status.message}"
            ),
            metadata={
                "backend": status.name,
                "kind": status.kind,
                "connected": "true" if status.connected else "false",
            },
        )

    def explain(self, rule_id: str) -> RuleExplanation:
        """The explanation of ``rule_id`` (with or without the ``telemetry:`` prefix).

        Raises:
            UnknownRule: the module has no such rule.
        """
        key = rule_id if rule_id.startswith(f"{MODULE_ID}:") else f"{MODULE_ID}:{rule_id}"
        try:
            return RULES[key]
        except KeyError:
            raise UnknownRule(rule_id, RULES) from None

    def fix(self, rule_id: str) -> list[str]:
        """Telemetry findings have no automatic fix."""
        return []


def _sampling_finding(config: TelemetryConfig) -> TelemetryFinding:
    if config.sampling_strategy is SamplingStrategy.ON_CHANGE:
        message = "Sampling: on-change strategy (emit only when findings change)"
    else:
        rate = config.sampling_rate
        message = f"Sampling: rate strategy at {rate:.2f} ({rate:.0%} of runs)"
    return TelemetryFinding(
        rule_id=f"{MODULE_ID}:sampling-status",
        severity="info",
        message=message,
        metadata={
            "strategy": config.sampling_strategy.value,
            "rate": repr(config.sampling_rate),
        },
    )
