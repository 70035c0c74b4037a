"""Fixtures of the chaffra-mcp tests: small projects, a test-only module, in-memory clients."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import attrs
import pytest
from mcp import Client

from chaffra_core import (
    AnalysisResult,
    FileContext,
    FileResult,
    FileSummary,
    Finding,
    FixResult,
    Location,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    ProjectContext,
    Rule,
    RuleExplanation,
    Severity,
    make_anchor,
)
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_mcp import ServerSettings, create_server
from chaffra_mcp._context import ToolContext
from chaffra_mcp._dispatch import Dispatcher
from chaffra_mcp._tools import build_registry

COMPLEX = """\
def tangled(a, b, c, d):
    total = 0
    for i in range(a):
        if i % 2 and b:
            total += 1
        elif i % 3 or c:
            total -= 1
        elif d and not b:
            total *= 2
        while total > 100 and a:
            total //= 2
            if c and d or b:
                break
        if a > b > c:
            total += 3
        elif b > c > d:
            total += 4
        elif c > d > a:
            total += 5
        elif d > a and b:
            total += 6
        elif a == b or c == d:
            total += 7
        elif a < 0 and b < 0 or c < 0:
            total += 8
    return total
"""
SIMPLE = "def simple():\n    return 1\n"


@attrs.frozen(kw_only=True)
class _UnusedNames:
    """The double's per-file half: reads each file's text for ``def unused_*`` lines."""

    printing: bool
    fail: bool
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> None:
        return None

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        if self.printing:
            print("stray output from an analyzer")
        if self.fail:
            raise RuntimeError("double failed on purpose")
        findings = []
        for number, line in enumerate(file.text.splitlines(), start=1):
            if line.startswith("def unused_"):
                name = line[4:].split("(")[0]
                findings.append(
                    Finding(
                        rule_id="dead-code:unused-function",
                        message=f"function `{name}` is never used",
                        severity=Severity.WARNING,
                        location=Location(file=file.path, start_line=number, end_line=number),
                        metadata={"symbol": name},
                        anchor=make_anchor(name, line),
                    )
                )
        return FileResult(findings=tuple(findings))


class DeadCodeDouble:
    """A test-only ``dead-code`` module: every function named ``unused_*`` is a finding.

    It goes through the host like any module, so the generic adapter's
    ``chaffra_dead_code`` tool is listed and runs it via ``run_analysis``.
    ``printing`` makes it print during analysis (stdout discipline tests).
    """

    def __init__(self, *, printing: bool = False, fail: bool = False) -> None:
        self.printing, self.fail = printing, fail

    def describe(self) -> ModuleInfo:
        return ModuleInfo(
            id="dead-code",
            name="Dead code (test double)",
            version="0",
            languages=("python",),
            capabilities=("analyze", "explain"),
            rules=(
                Rule(
                    id="dead-code:unused-function",
                    name="Unused function",
                    description="never called",
                    default_severity=Severity.WARNING,
                    category="dead-code",
                ),
            ),
        )

    def file_analyzer(self, config: ModuleConfig) -> _UnusedNames:
        return _UnusedNames(printing=self.printing, fail=self.fail)

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        return AnalysisResult()

    def explain(self, rule: str) -> RuleExplanation:
        return RuleExplanation(
            rule_id="dead-code:unused-function",
            name="Unused function",
            description="A function nobody calls.",
            rationale="Dead code misleads readers.",
            default_severity=Severity.WARNING,
            suppression_syntax="# chaffra: ignore[dead-code:unused-function]",
        )

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def _host_with(*extra: Any) -> ModuleHost:
    return ModuleHost([ComplexityModule(), *extra])


@pytest.fixture
def host_with() -> Callable[..., ModuleHost]:
    """``host_with(*modules)``: a host with the complexity module and ``modules``."""
    return _host_with


@pytest.fixture
def dead_code_double() -> type[DeadCodeDouble]:
    """The test-only ``dead-code`` module class."""
    return DeadCodeDouble


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """``make_project({"a.py": "..."}, name="proj")`` writes a project and returns its root."""

    def make(files: dict[str, str] | None = None, name: str = "proj") -> Path:
        root = tmp_path / name
        root.mkdir()
        contents = files if files is not None else {"pkg/tangled.py": COMPLEX, "simple.py": SIMPLE}
        for relative, text in contents.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root.resolve()

    return make


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """The user cache directory of the tests (never the real one)."""
    return tmp_path / "cache"


@pytest.fixture
def make_dispatcher(cache_dir: Path) -> Callable[..., Dispatcher]:
    """``make_dispatcher(root, host=..., budget=...)``: the transport-free tool layer."""

    def make(*roots: Path, host: ModuleHost | None = None, **options: Any) -> Dispatcher:
        settings = ServerSettings.create(
            roots, cache_dir=cache_dir, **{k: v for k, v in options.items() if k != "budget"}
        )
        context = ToolContext(settings, host=host if host is not None else _host_with())
        budget = options.get("budget")
        registry = build_registry(context.host)
        return (
            Dispatcher(registry, context)
            if budget is None
            else Dispatcher(registry, context, budget=budget)
        )

    return make


@pytest.fixture
def client_for(cache_dir: Path) -> Callable[..., Any]:
    """``async with client_for(root, mode=...) as client``: an in-memory SDK client session."""

    @asynccontextmanager
    async def connect(
        *roots: Path, mode: str = "legacy", host: ModuleHost | None = None, **options: Any
    ) -> AsyncIterator[Client]:
        settings = ServerSettings.create(roots, cache_dir=cache_dir, **options)
        server = create_server(settings, module_host=host if host is not None else _host_with())
        async with Client(server, mode=mode) as client:
            yield client

    return connect
