"""The dead-code fix: unused imports removed keeping the layout; unreachable code opt-in."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from chaffra_core import ProjectContext
from chaffra_core.analyzers.dead_code import (
    DeadCodeModule,
    fix_findings,
    fix_source,
    new_findings,
)
from chaffra_core.testing import analyse, summarise


def fixed(code: str, *, unreachable: bool = False) -> str:
    """``code`` after fixing its own dead-code findings."""
    text = textwrap.dedent(code)
    findings = analyse(DeadCodeModule(), {"app.py": text}).findings
    result = fix_source(text, findings, unreachable=unreachable)
    ast.parse(result.text)
    return result.text


def test_an_unused_import_statement_is_deleted_with_its_line() -> None:
    assert "import sys\nprint(sys)\n" == fixed("import os\nimport sys\nprint(sys)\n")


def test_a_multi_name_import_loses_only_the_unused_names() -> None:
    assert "import os, stat\nprint(os, stat)\n" == fixed(
        "import os, shlex, stat\nprint(os, stat)\n"
    )
    assert "from m import b\nprint(b)\n" == fixed("from m import a, b, c\nprint(b)\n")


def test_a_parenthesised_import_keeps_its_lines_and_comments() -> None:
    code = """\
        from m import (  # the m names
            used_a,
            unused_b,
            used_c,
        )
        print(used_a, used_c)
    """
    assert (
        "from m import (  # the m names\n    used_a,\n    used_c,\n)\nprint(used_a, used_c)\n"
        == fixed(code)
    )


def test_a_backslash_continued_import_is_deleted_whole() -> None:
    assert "x = 1\n" == fixed("from m import a, \\\n    b\nx = 1\n")


def test_an_import_alone_in_a_block_becomes_pass() -> None:
    code = "import sys\nif sys.argv:\n    import os\nprint(1)\n"
    assert "import sys\nif sys.argv:\n    pass\nprint(1)\n" == fixed(code)


@pytest.mark.parametrize(
    "code",
    [
        "import os  # noqa\n",
        "import os  # NOQA: F401\n",
        "import readline\n",
        "try:\n    import numpy\nexcept ImportError:\n    numpy = None\n",
        "import os; x = 1\nprint(x)\n",
        "from __future__ import annotations\n",
    ],
)
def test_imports_that_must_stay_are_left_alone(code: str) -> None:
    assert code == fixed(code)


def test_a_noqa_for_another_code_does_not_protect_an_import() -> None:
    assert "" == fixed("import os  # noqa: E501\n")


def test_unreachable_statements_are_removed_only_when_asked() -> None:
    code = "def f():\n    return 1\n    print('a')\n    print('b')\nf()\n"
    assert code == fixed(code)
    assert "def f():\n    return 1\nf()\n" == fixed(code, unreachable=True)


def test_an_unreachable_else_is_not_removed() -> None:
    code = "while True:\n    pass\nelse:\n    print(1)\n"
    assert code == fixed(code, unreachable=True)


def test_other_rules_are_never_fixed() -> None:
    text = "def _helper():\n    pass\n"
    findings = analyse(DeadCodeModule(), {"app.py": text}).findings
    result = fix_source(text, findings)
    assert text == result.text
    assert ["only unused imports and unreachable code are fixed automatically"] == [
        reason for _, reason in result.skipped
    ]


def test_a_file_that_does_not_parse_is_not_touched() -> None:
    findings = analyse(DeadCodeModule(), {"app.py": "import os\n"}).findings
    result = fix_source("import os\ndef (:\n", findings)
    assert "import os\ndef (:\n" == result.text
    assert () == result.fixed


def test_fix_findings_returns_only_changed_files_and_the_fix_adds_no_findings() -> None:
    files = {"a.py": "import os\nimport sys\nprint(sys)\n", "b.py": "import os\nprint(os)\n"}
    module = DeadCodeModule()
    summaries = [summarise(module, text, path=path) for path, text in files.items()]
    before = analyse(module, files).findings
    fixes = fix_findings(before, files.__getitem__)
    assert ["a.py"] == list(fixes)
    project = ProjectContext(root=Path("p"), target=Path("p"))
    texts = {path: fix.text for path, fix in fixes.items()}
    assert [] == new_findings(module, summaries, texts, config={}, project=project, before=before)


def test_new_findings_reports_a_module_the_fix_would_orphan() -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/_legacy.py": "X = 1\n",
        "pkg/app.py": "import pkg._legacy as legacy\nprint(1)\n",
        "main.py": "import pkg.app\nprint(pkg)\n",
    }
    module = DeadCodeModule()
    summaries = [summarise(module, text, path=path) for path, text in sorted(files.items())]
    before = analyse(module, files).findings
    fixes = fix_findings(before, files.__getitem__)
    project = ProjectContext(root=Path("p"), target=Path("p"))
    added = new_findings(
        module,
        summaries,
        {p: f.text for p, f in fixes.items()},
        config={},
        project=project,
        before=before,
    )
    assert ["module `pkg._legacy` is never imported"] == [f.message for f in added]
