"""What one file proves dead on its own: unused locals and arguments, and the
reachability findings, as a mixin of the dead-code visitor (which keeps the
scope stack these checks read)."""

from __future__ import annotations

import ast

import attrs

from chaffra_core._findings import Finding, Location, Severity, make_anchor
from chaffra_core._traversal import Scope, ScopeKind
from chaffra_core.analyzers.dead_code._reachability import Reachability
from chaffra_core.analyzers.dead_code._roots import (
    decorator_name,
    is_dunder,
    is_registering_decorator,
    is_stub_body,
)
from chaffra_core.analyzers.dead_code._rules import (
    REDUNDANT_CONDITION,
    UNUSED_ARGUMENT,
    UNUSED_VARIABLE,
    Confidence,
)
from chaffra_core.analyzers.dead_code._settings import Settings

__all__ = ["LocalFindings", "ScopeState"]

_SEVERITY = {UNUSED_VARIABLE: Severity.WARNING, UNUSED_ARGUMENT: Severity.INFO}


@attrs.define(eq=False)
class ScopeState:
    kind: ScopeKind
    qualified: str
    node: ast.AST
    loads: set[str] = attrs.Factory(set)
    assigned: dict[str, ast.AST] = attrs.Factory(dict)
    declared: set[str] = attrs.Factory(set)
    dynamic: bool = False
    fields_are_roots: bool = False
    protocol: bool = False
    class_name: str = ""


class LocalFindings(Reachability):
    """Mixin of the dead-code visitor: the findings one file proves, in ``findings``."""

    def __init__(self, path: str, settings: Settings) -> None:
        super().__init__()
        self.path = path
        self.settings = settings
        self.findings: list[Finding] = []
        self._scopes: list[ScopeState] = []

    def _check_locals(self, state: ScopeState, node: ast.AST) -> None:
        if state.dynamic:
            return
        for name, statement in state.assigned.items():
            if name not in state.loads:
                self._finding(
                    UNUSED_VARIABLE,
                    f"variable `{name}` is never read",
                    statement,
                    Confidence.CERTAIN,
                    symbol=f"{state.qualified}.{name}",
                    name=name,
                )

    def _check_arguments(
        self, state: ScopeState, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope
    ) -> None:
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params.extend(a for a in (args.vararg, args.kwarg) if a is not None)
        parent = self._scopes[-1] if self._scopes else None
        decorators = {decorator_name(d) for d in node.decorator_list}
        receiver = scope.in_class and "staticmethod" not in decorators and params
        receiver_name = params[0].arg if receiver else ""
        # A signature someone else fixed (a protocol, a hook, a callback a decorator
        # registers, an override, a stub) must keep its parameters: below the default.
        fixed_signature = (
            state.dynamic
            or is_dunder(node.name)
            or is_stub_body(node.body)
            or any(is_registering_decorator(d) for d in node.decorator_list)
            or (scope.in_class and parent is not None and parent.fields_are_roots)
        )
        confidence = Confidence.MAYBE_HOOK if fixed_signature else Confidence.CERTAIN
        for param in params:
            name = param.arg
            private = name.startswith("_") and not name.startswith("__")
            if private or name in ("self", "cls") or name in state.loads:
                continue
            self._finding(
                UNUSED_ARGUMENT,
                f"argument `{name}` of `{state.qualified}` is never used",
                param,
                Confidence.MAYBE_HOOK if name == receiver_name else confidence,
                symbol=f"{state.qualified}.{name}",
                name=name,
            )

    def _finding(
        self, rule: str, message: str, node: ast.AST, confidence: int, *, symbol: str, name: str
    ) -> None:
        if confidence < self.settings.min_confidence or self.settings.ignored(name):
            return
        line = getattr(node, "lineno", 1)
        self.findings.append(
            Finding(
                rule_id=rule,
                message=message,
                severity=_SEVERITY[rule],
                location=Location(
                    file=self.path,
                    start_line=line,
                    end_line=getattr(node, "end_lineno", None) or line,
                ),
                confidence=confidence / 100,
                metadata={"confidence": str(confidence), "name": name},
                anchor=make_anchor(symbol, f"{rule} {name}"),
            )
        )

    def report(
        self, rule: str, first: ast.AST, last: ast.AST, message: str, *, kind: str = ""
    ) -> None:
        """A reachability finding (always certain)."""
        line = getattr(first, "lineno", 1)
        end = getattr(last, "end_lineno", None) or line
        qualified = self._scopes[-1].qualified if self._scopes else ""
        label = "condition" if rule == REDUNDANT_CONDITION else "unreachable"
        metadata = {"confidence": str(Confidence.CERTAIN)}
        if kind:
            metadata["kind"] = kind
        self.findings.append(
            Finding(
                rule_id=rule,
                message=message,
                severity=Severity.WARNING,
                location=Location(file=self.path, start_line=line, end_line=end),
                confidence=1.0,
                metadata=metadata,
                anchor=make_anchor(qualified or "<module>", f"{label} {message}"),
            )
        )
