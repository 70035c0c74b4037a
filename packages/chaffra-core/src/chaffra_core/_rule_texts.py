"""The explanation of every rule a run can report: the modules' and chaffra's own.

``parse:*`` and ``core:*`` findings come from the host, not from a module, so
no module explains them; their texts live here. SARIF rule descriptors and
``chaffra explain`` read both through :func:`rule_explanations`.
"""

from __future__ import annotations

from collections.abc import Mapping

from chaffra_core._findings import RuleExplanation, Severity
from chaffra_core._host import ModuleHost
from chaffra_core.errors import ModuleNotFound, RuleNotFound

__all__ = ["BUILTIN_EXPLANATIONS", "rule_explanations"]


def _builtin(rule_id: str, name: str, description: str, rationale: str) -> RuleExplanation:
    return RuleExplanation(
        rule_id=rule_id,
        name=name,
        description=description,
        rationale=rationale,
        default_severity=Severity.ERROR if rule_id != "core:stale-suppression" else Severity.INFO,
        suppression_syntax=f"# chaffra: ignore[{rule_id}]",
    )


BUILTIN_EXPLANATIONS: Mapping[str, RuleExplanation] = {
    e.rule_id: e
    for e in (
        _builtin(
            "parse:syntax-error",
            "Syntax error",
            "The file does not parse as Python for the running interpreter.",
            "A file that does not parse cannot be analysed: none of its functions is measured.",
        ),
        _builtin(
            "parse:encoding-error",
            "Undecodable file",
            "The file is not valid in its declared (or the default UTF-8) encoding.",
            "Python itself would refuse to import the file; nothing in it is analysed.",
        ),
        _builtin(
            "parse:read-error",
            "Unreadable file",
            "The file was discovered but could not be read (permissions, size limit, I/O).",
            "An unread file is an unanalysed file; the report would silently miss it.",
        ),
        _builtin(
            "core:module-error",
            "Analysis module failed",
            "An analysis module raised an error; its findings for this run are missing.",
            "A run with a failed module is incomplete, so it is reported instead of hidden.",
        ),
        _builtin(
            "core:stale-suppression",
            "Stale suppression",
            "A `# chaffra: ignore[...]` comment suppresses nothing.",
            "Suppressions that no longer match hide future findings; remove them.",
        ),
    )
}
"""Explanations of the host's own ``parse:*`` and ``core:*`` rules."""


def rule_explanations(host: ModuleHost) -> dict[str, RuleExplanation]:
    """Every rule's explanation by qualified id: the built-ins, then each module's rules."""
    explanations = dict(BUILTIN_EXPLANATIONS)
    for info in host.infos():
        for rule in info.rules:
            try:
                explanation = host.explain(rule.id)
            except (ModuleNotFound, RuleNotFound):
                explanation = RuleExplanation(
                    rule_id=rule.id,
                    name=rule.name,
                    description=rule.description,
                    rationale=rule.description,
                    default_severity=rule.default_severity,
                    suppression_syntax=f"# chaffra: ignore[{rule.id}]",
                )
            explanations[explanation.rule_id] = explanation
    return explanations
