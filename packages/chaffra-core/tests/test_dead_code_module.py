"""The dead-code module's contract: configuration, whitelists, explanations, the cache."""

from __future__ import annotations

import json
import pickle
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from chaffra_core import AnalysisResult, ConfigError, ModuleConfig
from chaffra_core._converter import make_cache_converter
from chaffra_core.analyzers import BUILTIN_MODULES
from chaffra_core.analyzers.dead_code import DeadCodeModule, make_whitelist
from chaffra_core.errors import RuleNotFound
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


def test_a_vulture_whitelist_file_marks_names_used(tmp_path: Path) -> None:
    (tmp_path / "whitelist.py").write_text("_.on_event  # unused method\nlegacy  # function\n")
    code = "def legacy():\n    pass\n\nclass A:\n    def on_event(self):\n        pass\nprint(A)\n"
    result = _run({"app.py": code}, {"whitelist": ["whitelist.py"], **ALL}, root=tmp_path)
    assert () == result.findings


def test_a_whitelist_inside_the_project_is_read_like_code_and_never_reported() -> None:
    files = {"app.py": "def legacy():\n    pass\n", "vulture_whitelist.py": "legacy\n_.x\n"}
    assert set() == reported(files, ALL)


def test_make_whitelist_writes_vultures_format_and_reading_it_back_silences_all(
    tmp_path: Path,
) -> None:
    code = "import os\n\ndef legacy():\n    pass\n\nclass A:\n    def m(self):\n        return 1\n"
    code += "    x = 1\nprint(A)\ndef f():\n    return 1\n    print(2)\nf()\n"
    result = _run({"app.py": code}, ALL, root=tmp_path)
    whitelist = make_whitelist(result.findings)
    assert "_.m  # unused-method (app.py:7)" in whitelist
    assert "legacy  # unused-function (app.py:3)" in whitelist
    assert "# unreachable code after `return` (app.py:13)" in whitelist
    (tmp_path / "wl.py").write_text(whitelist)
    again = _run({"app.py": code}, {"whitelist": ["wl.py"], **ALL}, root=tmp_path)
    assert {"dead-code:unreachable-code"} == {f.rule_id for f in again.findings}


def test_ignore_names_takes_globs() -> None:
    code = "def legacy_a():\n    pass\n\ndef legacy_b():\n    pass\n\ndef other():\n    pass\n"
    assert {("unused-function", "other")} == reported(
        {"app.py": code}, {"ignore-names": ["legacy_*"], **ALL}
    )


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"min-confidence": 101}, "min-confidence"),
        ({"min-confidence": True}, "min-confidence"),
        ({"unused-argument": "yes"}, "unused-argument"),
        ({"whitelist": "w.py"}, "whitelist"),
        ({"ignore-names": [1]}, "ignore-names"),
        ({"min-confidense": 1}, "min-confidense"),
    ],
)
def test_invalid_settings_fail_closed_naming_the_key(config: ModuleConfig, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        DeadCodeModule().file_analyzer(config)


def test_min_confidence_filters_file_local_and_project_findings() -> None:
    code = "import os\n\ndef api():\n    pass\n\ndef f():\n    x = 1\nf()\n"
    assert {("unused-variable", "x")} == reported({"app.py": code}, {"min-confidence": 95})
    assert 3 == len(reported({"app.py": code}, {"min-confidence": 60}))


# -- the module contract ------------------------------------------------------------------------


def test_the_module_is_built_in_and_describes_its_rules() -> None:
    assert DeadCodeModule in BUILTIN_MODULES
    info = DeadCodeModule().describe()
    assert "dead-code" == info.id
    assert 10 == len(info.rules)


def test_every_rule_is_explained_bare_or_qualified() -> None:
    module = DeadCodeModule()
    for rule in module.describe().rules:
        explanation = module.explain(rule.id.partition(":")[2])
        assert rule.id == explanation.rule_id
        assert explanation.description
        assert explanation.examples
        assert f"# chaffra: ignore[{rule.id}]" == explanation.suppression_syntax
    with pytest.raises(RuleNotFound):
        module.explain("complexity:unused-import")
    with pytest.raises(RuleNotFound):
        module.explain("no-such-rule")


def test_the_file_analyzer_pickles_and_the_facts_survive_the_cache_round_trip() -> None:
    module = DeadCodeModule()
    analyzer = module.file_analyzer({"unused-argument": True})
    assert analyzer == pickle.loads(pickle.dumps(analyzer))
    summary = summarise(module, "import os\ndef f():\n    pass\n", path="a.py")
    facts = summary.results["dead-code"].facts
    assert facts == json.loads(json.dumps(facts))
    converter = make_cache_converter()
    assert summary == converter.structure(converter.unstructure(summary), type(summary))


def test_fix_reports_that_the_cli_applies_dead_code_fixes() -> None:
    result = _run({"app.py": "import os\n"})
    fixes = DeadCodeModule().fix(result.findings, dry_run=True)
    assert [False] == [f.applied for f in fixes]


def test_a_file_that_does_not_parse_contributes_nothing() -> None:
    assert set() == reported({"bad.py": "def (:\n", "ok.py": "print(1)\n"}, ALL)
