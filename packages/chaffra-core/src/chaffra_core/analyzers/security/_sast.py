"""SAST on the shared walk: the visitor that resolves call targets through the file's
imports, applies the call rules and the statement rules (hard-coded passwords,
SQL built from strings, ``0.0.0.0``, access checks in ``assert``), and tracks
taint per function."""

from __future__ import annotations

import ast
import bisect
import functools
import re
from collections.abc import Callable, Iterable

from chaffra_core._findings import Finding, Location, Severity, make_anchor, qualify
from chaffra_core._summary import FileContext
from chaffra_core._traversal import Scope, ScopeKind
from chaffra_core.analyzers.security._calls import (
    CALL_NAMES,
    KEYWORD_ARGUMENTS,
    WILDCARD_MODULES,
    Hit,
    keyword_hits,
    lookup,
)
from chaffra_core.analyzers.security._imports import import_risk
from chaffra_core.analyzers.security._redact import redact
from chaffra_core.analyzers.security._rules import (
    MODULE_ID,
    RULE_INFO,
    Confidence,
    clearly_not_a_secret,
)
from chaffra_core.analyzers.security._taint import (
    TaintState,
    ValueKind,
    dotted,
    source_lines,
    target_names,
)

__all__ = ["SastVisitor", "is_test_path", "sast_visitor"]

# bandit's candidate names for hard-coded passwords (B105-B107).
_PASSWORD_NAME = re.compile(
    r"(^|_)(pas+wo?r?d|pass(phrase)?|pwd|token|secrete?)($|_)", re.IGNORECASE
)
# Names of secret-like values, as whole words of a snake_case or camelCase name
# ("api_key", "sessionToken"; not "keys", "mapping" or "author").
_SECRET_CONTEXT = re.compile(
    r"(?:^|_)(?:token|secret|passw\w*|pwd|key|salt|nonce|otp|csrf|session|auth|pin|cred\w*|iv)"
    r"(?:$|_)"
)
_CALL_NAMES = CALL_NAMES | {"format"}  # "...".format(...) may build SQL
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ACCESS = re.compile(
    r"is_authenticated|is_staff|is_superuser|is_admin|has_perm|permission|authori[sz]|"
    r"logged_in|can_|role|allowed|access|owner",
    re.IGNORECASE,
)
_SQL = re.compile(
    r"(select\s.*from\s|delete\s+from\s|insert\s+into\s.*values|update\s.*\sset\s)",
    re.IGNORECASE | re.DOTALL,
)
_NEWLINE = re.compile("\n")
_BIND_ALL = "0.0.0.0"
_SWALLOWING: dict[type[ast.stmt], str] = {ast.Pass: "B110", ast.Continue: "B112"}
_BROAD = frozenset({"Exception", "BaseException"})
_TEST_PART = re.compile(
    r"(^|/)(tests?|testing|fixtures?)/|(^|/)(test_[^/]*|[^/]*_tests?|conftest)\.py$"
)


def is_test_path(path: str) -> bool:
    """Whether ``path`` is test code: a ``tests/``/``test/``/``fixtures/`` directory,
    ``test_*.py``, ``*_test.py`` or ``conftest.py`` (path components, not substrings)."""
    return _TEST_PART.search(path) is not None


class SastVisitor:
    """One file's SAST state during the engine's walk: the handlers every file needs.

    Files whose text names no taint source get this class as is (no taint tracked);
    :func:`sast_visitor` adds the handlers a file needs beyond these (taint, ``0.0.0.0``,
    asserts) by choosing a subclass, so the walk calls no handler that has nothing to do.
    """

    def __init__(self, file: FileContext, *, check_tests: bool, hints: list[int]) -> None:
        self.path = file.path
        self.text = file.text
        self.hints = hints  # the lines that name a taint source
        self._line_starts: list[int] | None = None
        self.in_tests = is_test_path(file.path)
        self.check_asserts = check_tests or not self.in_tests
        self.aliases: dict[str, str] = {}
        self.modules: set[str] = set()
        self.scopes: list[Scope] = []
        self.states: list[TaintState] = [TaintState(self.resolve, active=False)]
        self.assignment: ast.Assign | ast.AnnAssign | None = None  # the last one entered
        self.hits: dict[tuple[str, int], Finding] = {}
        self._sql_seen: set[int] = set()
        self._wildcards = any(module in file.text for module in WILDCARD_MODULES)

    # -- CallSite ---------------------------------------------------------
    @property
    def taint(self) -> TaintState:
        return self.states[-1]

    def imported(self, module: str) -> bool:
        return module in self.modules

    def secret_context(self, call: ast.Call) -> bool:
        names = [n for t in self._assigned(call) for n in target_names(t, {})]
        names += [s.name for s in self.scopes if s.kind is ScopeKind.FUNCTION]
        return any(
            _SECRET_CONTEXT.search(_CAMEL.sub("_", n.rpartition(".")[2]).lower()) for n in names
        )

    def _assigned(self, call: ast.Call) -> list[ast.expr]:
        """The targets of the assignment ``call`` is part of (statements do not nest in
        expressions, so it is the last one entered, if the call lies within it)."""
        node = self.assignment
        if node is None:
            return []
        inside = (node.lineno, node.col_offset) <= (call.lineno, call.col_offset) and (
            call.end_lineno or 0,
            call.end_col_offset or 0,
        ) <= (node.end_lineno or 0, node.end_col_offset or 0)
        if not inside:
            return []
        return list(node.targets) if isinstance(node, ast.Assign) else [node.target]

    def resolve(self, node: ast.AST) -> str | None:
        return dotted(node, self.aliases)

    def line_starts(self) -> list[int]:
        """The offset of each line's first character (computed once, when first needed)."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        return self._line_starts

    # -- scopes and imports -----------------------------------------------
    def enter_scope(self, scope: Scope) -> None:
        self.scopes.append(scope)

    def leave_scope(self, scope: Scope) -> None:
        self.scopes.pop()

    def enter_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.modules.add(alias.name.partition(".")[0])
            self.modules.add(alias.name)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.partition(".")[0]
                self.aliases[top] = top
            self._import_risk(alias.name, node)

    def enter_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module is None or node.level:
            return
        self.modules.add(node.module.partition(".")[0])
        self.modules.add(node.module)
        for alias in node.names:
            qualified = f"{node.module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = qualified
            self._import_risk(qualified, node)

    def _import_risk(self, name: str, node: ast.stmt) -> None:
        found = import_risk(name)
        if found is not None:
            module, risk = found
            self._add(
                Hit(
                    rule="insecure-import",
                    bandit_id=risk.bandit_id,
                    message=f"imports `{module}`, which {risk.why}",
                    severity=risk.severity,
                    confidence=Confidence.HIGH,
                    cwe=risk.cwe,
                ),
                node,
            )

    def enter_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        body = node.body
        if len(body) != 1 or type(body[0]) not in _SWALLOWING:
            return
        caught = node.type
        if caught is not None and not (type(caught) is ast.Name and caught.id in _BROAD):
            return  # a named exception (except KeyError: pass) is a decision (bandit agrees)
        bandit = _SWALLOWING[type(body[0])]
        what = "except" if caught is None else f"except {ast.unparse(caught)}"
        self._add(
            Hit(
                rule="swallowed-exception",
                bandit_id=bandit,
                message=f"`{what}` that only does `{type(body[0]).__name__.lower()}`: "
                "the error is silently ignored",
                severity=Severity.INFO,
                confidence=Confidence.HIGH,
            ),
            node,
            end=node.lineno,
        )

    # -- calls --------------------------------------------------------------
    def enter_Call(self, node: ast.Call) -> None:
        func = node.func
        kind = type(func)
        if kind is ast.Attribute:
            last: str = func.attr  # type: ignore[attr-defined]
        elif kind is ast.Name:
            name_id: str = func.id  # type: ignore[attr-defined]
            last = self.aliases.get(name_id, name_id).rpartition(".")[2]
        else:
            return
        if (
            last not in _CALL_NAMES
            and not self._wildcards
            and not (node.keywords and _any_rule_keyword(node))
        ):
            return  # most calls: no rule is keyed by their name, none of their keywords
        # a name/attribute chain, else a method of a computed object
        name = self.resolve(func) or f"(...).{last}"
        for check in lookup(name):
            hit = check(node, name, self)
            if hit is not None:
                self._add(hit, node)
        for hit in keyword_hits(node, name, self):
            self._add(hit, node)
        for keyword in node.keywords:
            if keyword.arg and _names_password(keyword.arg):
                self._password(keyword.value, keyword.arg, "B106", node)
        if last == "format" and isinstance(func, ast.Attribute):
            self._sql(node, func.value, [*node.args, *(k.value for k in node.keywords)])

    # -- statements ---------------------------------------------------------
    def enter_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        if not args.defaults and not args.kw_defaults:
            return
        positional = [*args.posonlyargs, *args.args]
        pairs = list(
            zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
        )
        pairs += [
            (a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
        ]
        for arg, default in pairs:
            if _names_password(arg.arg):
                self._password(default, arg.arg, "B107", node)

    enter_AsyncFunctionDef = enter_FunctionDef

    def enter_Assign(self, node: ast.Assign) -> None:
        self.assignment = node
        for target in node.targets:
            self._assignment_rules(target, node.value, node)

    def enter_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.assignment = node
        if node.value is not None:
            self._assignment_rules(node.target, node.value, node)

    def enter_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        left = node.left
        if type(left) is ast.Attribute:
            last = left.attr
        elif type(left) is ast.Name:
            last = self.aliases.get(left.id, left.id).rpartition(".")[2]
        else:
            return
        if _names_password(last) and (name := self.resolve(left)) is not None:
            self._password(node.comparators[0], name, "B105", node)

    def enter_BinOp(self, node: ast.BinOp) -> None:
        op = type(node.op)
        if op is ast.Mod and type(node.left) is ast.Constant:
            self._sql(node, node.left, [node.right])
        elif op is ast.Add and id(node) not in self._sql_seen:
            parts = _concatenated(node, self._sql_seen)
            literal = [p for p in parts if isinstance(p, ast.Constant)]
            if literal:
                self._sql(node, literal[0], [p for p in parts if p not in literal], literal)

    def enter_JoinedStr(self, node: ast.JoinedStr) -> None:
        literal = [v for v in node.values if isinstance(v, ast.Constant)]
        values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        if literal and values:
            self._sql(node, literal[0], values, literal)

    # -- helpers ------------------------------------------------------------
    def _assignment_rules(self, target: ast.AST, value: ast.expr, node: ast.stmt) -> None:
        literal = value.value if type(value) is ast.Constant else None
        if type(literal) is str:  # only a string can be a password
            name = self._target_key(target)
            if name is not None and _names_password(name):
                self._password(value, name, "B105", node)
        if type(target) is ast.Attribute:
            bad = (target.attr == "check_hostname" and literal is False) or (
                target.attr == "verify_mode" and self.resolve(value) == "ssl.CERT_NONE"
            )
            if bad:
                self._add(
                    Hit(
                        rule="tls-verification-disabled",
                        bandit_id="B501",
                        message=f"`{target.attr}` turns certificate checks off",
                        severity=Severity.ERROR,
                        confidence=Confidence.HIGH,
                    ),
                    node,
                )

    def _target_key(self, target: ast.AST) -> str | None:
        kind = type(target)
        if kind is ast.Name:
            return target.id  # type: ignore[attr-defined, no-any-return]
        if kind is ast.Attribute:
            return target.attr  # type: ignore[attr-defined, no-any-return]
        key = getattr(target, "slice", None)  # d["password"] = ...
        if type(key) is ast.Constant and isinstance(key.value, str):
            return key.value
        return None

    def _password(self, value: ast.AST, name: str, bandit: str, node: ast.AST) -> None:
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value):
            return
        if clearly_not_a_secret(name, value.value):
            return
        shown = redact(value.value)
        self._add(
            Hit(
                rule="hardcoded-password",
                bandit_id=bandit,
                message=f"hard-coded password `{name.rpartition('.')[2]}` ({shown})",
                severity=Severity.ERROR,
                confidence=Confidence.LOW if self.in_tests else Confidence.MEDIUM,
            ),
            node,
            anchor_text=f"{name} {shown}",
            redacted=shown,
        )

    def _sql(
        self,
        node: ast.AST,
        template: ast.AST,
        values: list[ast.expr],
        literal: Iterable[ast.Constant] | None = None,
    ) -> None:
        pieces = list(literal) if literal is not None else [template]
        text = "".join(
            p.value for p in pieces if isinstance(p, ast.Constant) and isinstance(p.value, str)
        )
        if not text or not _SQL.search(text) or not values:
            return
        kinds = [self.taint.kind(v) for v in values]
        source = next((s for k, s in kinds if k == ValueKind.TAINTED), None)
        if all(k == ValueKind.CONSTANT for k, _ in kinds):
            return
        self._add(
            Hit(
                rule="sql-injection",
                bandit_id="B608",
                message="SQL built by string formatting"
                + (f" with data from {source}" if source else ""),
                severity=Severity.ERROR if source else Severity.WARNING,
                confidence=Confidence.HIGH if source else Confidence.MEDIUM,
                source=source,
            ),
            node,
        )

    def _line(self, number: int) -> str:
        """Line ``number`` (1-based, at most the text's line count), stripped."""
        starts = self.line_starts()
        end = starts[number] - 1 if number < len(starts) else len(self.text)
        return self.text[starts[number - 1] : end].strip()

    def _add(
        self,
        hit: Hit,
        node: ast.AST,
        *,
        anchor_text: str | None = None,
        redacted: str | None = None,
        end: int | None = None,
    ) -> None:
        line: int = getattr(node, "lineno", 1)
        end = end or getattr(node, "end_lineno", None) or line
        key = (hit.rule, line)
        previous = self.hits.get(key)
        if previous is not None and previous.confidence >= hit.confidence.score:
            return
        symbol = self.scopes[-1].qualified_name if self.scopes else ""
        source_line = self._line(line) if anchor_text is None else ""
        metadata = {
            "bandit_id": hit.bandit_id,
            "cwe": f"CWE-{hit.cwe or RULE_INFO[hit.rule].cwe}",
            "confidence": hit.confidence.value,
            "symbol": symbol,
        }
        if hit.source is not None:
            metadata["source"] = hit.source
        if redacted is not None:
            metadata["secret"] = redacted
        self.hits[key] = Finding(
            rule_id=qualify(MODULE_ID, hit.rule),
            message=hit.message,
            severity=hit.severity,
            location=Location(
                file=self.path,
                start_line=line,
                end_line=end,
                start_column=getattr(node, "col_offset", 0),
                end_column=getattr(node, "end_col_offset", 0) or 0,
            ),
            confidence=hit.confidence.score,
            metadata=metadata,
            anchor=make_anchor(symbol or "<module>", f"{hit.rule} {anchor_text or source_line}"),
        )


@functools.lru_cache(maxsize=8192)
def _names_password(name: str) -> bool:
    """Whether ``name`` is one of bandit's password names (cached: names repeat a lot)."""
    return _PASSWORD_NAME.search(name) is not None


def _any_rule_keyword(call: ast.Call) -> bool:
    """Whether ``call`` passes a keyword a rule reads (``verify``, ``shell``, a password)."""
    return any(
        k.arg is not None and (k.arg in KEYWORD_ARGUMENTS or _names_password(k.arg))
        for k in call.keywords
    )


def _names_in(node: ast.AST) -> list[ast.Name | ast.Attribute]:
    return [n for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute))]


def _concatenated(node: ast.BinOp, seen: set[int]) -> list[ast.expr]:
    """The operands of a chain of ``+`` (``a + b + c``), marking inner ``+`` nodes seen."""
    parts: list[ast.expr] = []
    stack: list[ast.expr] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Add):
            seen.add(id(item))
            stack.extend((item.right, item.left))
        else:
            parts.append(item)
    return parts


class _Tainting(SastVisitor):
    """Taint per function, for files whose text names a taint source."""

    def enter_scope(self, scope: Scope) -> None:
        outer = self.states[-1] if self.scopes else None
        inherits = outer is not None and scope.kind in (ScopeKind.FUNCTION, ScopeKind.LAMBDA)
        active = (outer is not None and inherits and bool(outer.tainted)) or self._may_taint(scope)
        if active:
            state = TaintState(self.resolve, aliases=self.aliases, active=True)
            if outer is not None and inherits:
                state.tainted.update(outer.tainted)  # closures see the outer taint
            if isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                state.taint_parameters(scope.node)
        else:
            state = self.states[0]  # tracks nothing: one for every such scope
        self.scopes.append(scope)
        self.states.append(state)

    def _may_taint(self, scope: Scope) -> bool:
        """Whether the scope's own lines (decorators included) name a taint source: most
        functions of a file that mentions ``request`` somewhere never touch it."""
        node = scope.node
        if scope.kind is ScopeKind.MODULE:
            return True
        if scope.kind is ScopeKind.LAMBDA:
            return self.states[-1].active  # inside its parent's text
        decorators: list[ast.expr] = getattr(node, "decorator_list", [])
        first = min([node.lineno, *(d.lineno for d in decorators)])  # type: ignore[attr-defined]
        last: int = node.end_lineno or node.lineno  # type: ignore[attr-defined]
        index = bisect.bisect_left(self.hints, first)
        return index < len(self.hints) and self.hints[index] <= last

    def leave_scope(self, scope: Scope) -> None:
        self.scopes.pop()
        self.states.pop()

    def leave_Assign(self, node: ast.Assign) -> None:
        self.taint.assign(list(node.targets), node.value, augmented=False)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.taint.assign([node.target], node.value, augmented=False)

    def leave_AugAssign(self, node: ast.AugAssign) -> None:
        self.taint.assign([node.target], node.value, augmented=True)

    def leave_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.taint.assign([node.target], node.value, augmented=False)

    def enter_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.taint.assign([node.target], node.iter, augmented=False)

    enter_AsyncFor = enter_For


class _BindingAll(SastVisitor):
    """``"0.0.0.0"``, for files whose text has it."""

    def enter_Constant(self, node: ast.Constant) -> None:
        if node.value == "0.0.0.0":
            self._add(
                Hit(
                    rule="bind-all-interfaces",
                    bandit_id="B104",
                    message='`"0.0.0.0"` binds to every network interface',
                    severity=Severity.WARNING,
                    confidence=Confidence.MEDIUM,
                ),
                node,
            )


class _CheckingAsserts(SastVisitor):
    """Access checks in ``assert``, outside test code (unless asked for)."""

    def enter_Assert(self, node: ast.Assert) -> None:
        names = [n.id if isinstance(n, ast.Name) else n.attr for n in _names_in(node.test)]
        if any(_ACCESS.search(n) for n in names):
            self._add(
                Hit(
                    rule="assert-access-check",
                    bandit_id="B101",
                    message="`assert` checks access; `python -O` removes the check",
                    severity=Severity.WARNING,
                    confidence=Confidence.HIGH,
                ),
                node,
            )


_Feature = Callable[[FileContext, list[int], bool], bool]
_FEATURES: tuple[tuple[type[SastVisitor], _Feature], ...] = (
    # The handlers a file needs beyond the base class's, each with when it needs them
    # (given the file, its taint-source hints and whether asserts are checked).
    (_Tainting, lambda file, hints, asserts: bool(hints)),
    (_BindingAll, lambda file, hints, asserts: _BIND_ALL in file.text),
    (_CheckingAsserts, lambda file, hints, asserts: asserts),
)


@functools.cache
def _visitor_class(features: tuple[bool, ...]) -> type[SastVisitor]:
    bases = tuple(kind for (kind, _), wanted in zip(_FEATURES, features, strict=True) if wanted)
    return type("SastVisitor", bases or (SastVisitor,), {})


def sast_visitor(file: FileContext, *, check_tests: bool) -> SastVisitor:
    """The visitor for ``file``: a :class:`SastVisitor` with the handlers its text needs."""
    hints = source_lines(file.text)
    asserts = check_tests or not is_test_path(file.path)
    features = tuple(wanted(file, hints, asserts) for _, wanted in _FEATURES)
    return _visitor_class(features)(file, check_tests=check_tests, hints=hints)
