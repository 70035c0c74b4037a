"""The project index: invariants over any project, and incremental updates (watch, the LSP)
that always equal a rebuild."""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core import (
    AnalysisResult,
    CliOverrides,
    ModuleConfig,
    ModuleHost,
    ProjectContext,
    ProjectSession,
    resolve_effective_config,
)
from chaffra_core.analyzers.dead_code import DeadCodeModule
from chaffra_core.testing import analyse, summarise

ALL: ModuleConfig = {"min-confidence": 0}


def _run(
    files: Mapping[str, str], config: ModuleConfig | None = None, root: Path = Path("project")
) -> AnalysisResult:
    texts = {path: textwrap.dedent(text) for path, text in files.items()}
    return analyse(DeadCodeModule(), texts, config=config, root=root)


def reported(files: Mapping[str, str], config: ModuleConfig | None = None) -> set[tuple[str, str]]:
    """``(rule, name)`` of every finding (rule without the module prefix)."""
    result = _run(files, config)
    return {
        (f.rule_id.partition(":")[2], str(f.metadata.get("name", f.message)))
        for f in result.findings
    }


_NAMES = st.sampled_from(["alpha", "beta", "gamma", "delta"])


@settings(max_examples=40, deadline=None)
@given(
    defined=st.lists(_NAMES, min_size=1, max_size=4, unique=True),
    used=st.lists(_NAMES, max_size=4),
    order=st.permutations(["a.py", "b.py", "c.py"]),
)
def test_a_definition_is_reported_exactly_when_no_file_uses_its_name(
    defined: list[str], used: list[str], order: list[str]
) -> None:
    """Permutation-invariant, and a use anywhere in the project keeps a name alive."""
    definitions = "".join(f"def {name}():\n    pass\n" for name in defined)
    uses = "".join(f"print({name})\n" for name in used) or "pass\n"
    files = dict(zip(order, [definitions, uses, "pass\n"], strict=True))
    found = {name for rule, name in reported(files, ALL) if rule == "unused-function"}
    assert set(defined) - set(used) == found


# Each source exercises one kind of fact the index counts across files: names,
# attributes, re-exports, star imports, module references, class bases (project
# and external), string digests, getattr prefixes, entry points and packages.
_SOURCES = st.sampled_from(
    [
        "def alpha():\n    pass\n",
        "print(alpha)\n",
        "from b import beta\nprint(beta)\n",
        "def beta():\n    pass\nclass Gamma(Base):\n    def run(self):\n        pass\n",
        "class Base:\n    pass\nimport os\n",
        "class Base(Model):\n    def save(self):\n        self.flag = 1\n",
        "from pkg.c import *\nimport json, sys\nprint(sys.path)\n",
        "from .a import alpha as alpha\n__all__ = ['gamma']\n",
        "import pkg.c\nx = getattr(pkg, 'beta')\n",
        "def visit(self, kind):\n    return getattr(self, 'run_' + kind)\n",
        "class Walker:\n    def run_fast(self):\n        pass\n    def run(self):\n"
        "        return 'alpha'\n",
        "if __name__ == '__main__':\n    import a\n",
        "from django.apps import AppConfig\nclass Base(AppConfig):\n    pass\n",
        "def f():\n    x = 1\n    return\n    print(x)\n",
        "def alpha():\n    pass\nclass C:\n    def alpha(self):\n        self.alpha = 1\n",
        "def broken(:\n",
        "",
    ]
)
_PATHS = st.sampled_from(["a.py", "b.py", "pkg/__init__.py", "pkg/c.py", "pkg/sub/d.py"])
_EDITS = st.lists(st.tuples(_PATHS, st.none() | _SOURCES), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(edits=_EDITS)
def test_an_index_updated_edit_by_edit_equals_one_built_from_scratch(
    edits: list[tuple[str, str | None]],
) -> None:
    """What watch and the LSP rely on: a module kept between runs recombines only the
    changed files' facts, and reports exactly what a fresh module reports, after any
    sequence of edits, additions and removals."""
    project = ProjectContext(root=Path("p"), target=Path("p"))
    kept = DeadCodeModule()
    texts: dict[str, str] = {"pkg/__init__.py": ""}
    summaries = {p: summarise(kept, t, path=p, config=ALL) for p, t in texts.items()}
    for path, text in edits:
        if text is None:
            summaries.pop(path, None)
        else:
            summaries[path] = summarise(kept, text, path=path, config=ALL)
        ordered = [summaries[p] for p in sorted(summaries)]
        incremental = kept.combine(ordered, ALL, project).findings
        fresh = DeadCodeModule().combine(ordered, ALL, project).findings
        assert fresh == incremental


def _session_findings(session: ProjectSession) -> list[tuple[str, str, int, str]]:
    return sorted(
        (f.location.file, f.rule_id, f.location.start_line, f.message) for f in session.findings()
    )


def _dead_code_session(root: Path) -> ProjectSession:
    config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))
    host = ModuleHost([DeadCodeModule()])
    return ProjectSession(config, host=host, modules=["dead-code"], use_cache=False)


@settings(max_examples=40, deadline=None)
@given(edits=_EDITS)
def test_a_session_updated_in_memory_reports_what_a_full_run_of_the_files_reports(
    edits: list[tuple[str, str | None]],
) -> None:
    """The LSP's path: ``ProjectSession.update`` after each edit equals a new session's
    full run over the same files written to disk."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "pkg").mkdir()
        (root / "pkg" / "__init__.py").write_text("")
        session = _dead_code_session(root)
        session.start(command="lsp", churn=False)
        for path, text in edits:
            target = root / path
            session.update({target: text})
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
            fresh = _dead_code_session(root)
            fresh.start(command="lsp", churn=False)
            assert _session_findings(fresh) == _session_findings(session)


def test_removing_one_of_two_same_named_classes_keeps_the_other_in_the_index() -> None:
    project = ProjectContext(root=Path("p"), target=Path("p"))
    module = DeadCodeModule()
    files = {
        "a.py": "class Base:\n    pass\n",
        "b.py": "class Base:\n    pass\n",
        "c.py": "class Gamma(Base):\n    def run(self):\n        pass\nprint(Gamma)\n",
    }
    summaries = [summarise(module, t, path=p, config=ALL) for p, t in files.items()]
    module.combine(summaries, ALL, project)
    without_b = [s for s in summaries if s.path != "b.py"]
    incremental = module.combine(without_b, ALL, project).findings
    assert DeadCodeModule().combine(without_b, ALL, project).findings == incremental
    assert {0.6} == {f.confidence for f in incremental if "run" in f.message}


def test_a_private_function_of_the_root_package_init_is_reported_at_its_confidence() -> None:
    """The root ``__init__.py`` has no importable module name: nothing star-imports it."""
    result = _run({"__init__.py": "def _helper():\n    pass\n"}, ALL)
    assert [("dead-code:unused-function", 0.8)] == [
        (f.rule_id, f.confidence) for f in result.findings
    ]
