"""The dead-code module on the less common constructs: each one's effect on the findings."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from chaffra_core import FileContext, Finding, Location, ModuleConfig, Severity
from chaffra_core.analyzers.dead_code import (
    DeadCodeModule,
    fix_findings,
    fix_source,
    make_whitelist,
)
from chaffra_core.testing import analyse

ALL: ModuleConfig = {"min-confidence": 0}


def found(code: str, config: ModuleConfig | None = None, **files: str) -> set[tuple[str, str, int]]:
    """``(rule, name or message, line)`` of the findings on ``app.py`` (and ``files``)."""
    texts = {
        "app.py": textwrap.dedent(code),
        **{k.replace("__", "/") + ".py": v for k, v in files.items()},
    }
    result = analyse(DeadCodeModule(), texts, config=config if config is not None else ALL)
    return {
        (f.rule_id.partition(":")[2], str(f.metadata.get("name", f.message)), f.location.start_line)
        for f in result.findings
        if f.location.file == "app.py"
    }


def names(code: str, config: ModuleConfig | None = None) -> set[str]:
    return {name for _, name, _ in found(code, config)}


def test_augmented_dunder_all_and_its_extend_keep_names_used() -> None:
    code = "def a():\n    pass\ndef b():\n    pass\n__all__ = []\n__all__ += ['a']\n"
    code += "__all__.extend(['b'])\n"
    assert set() == names(code)


def test_an_augmented_attribute_counts_as_read() -> None:
    code = "class C:\n    def __init__(self):\n        self.n = 0\n    def bump(self):\n"
    code += "        self.n += 1\nC().bump()\n"
    assert set() == names(code)


def test_global_and_nonlocal_names_are_not_unused_locals() -> None:
    code = """
        CONFIG = None
        def configure():
            global CONFIG
            CONFIG = 1
        def counter():
            count = 0
            def step():
                nonlocal count
                count = 1
            return step
        configure(); counter(); print(CONFIG)
    """
    assert set() == names(code)


def test_an_unused_with_target_in_a_function_is_reported() -> None:
    code = "def f(path):\n    with open(path) as handle:\n        pass\n    with open(path):\n"
    code += "        pass\nf(1)\nwith open('x') as top:\n    pass\n"
    assert {("unused-variable", "handle", 2)} == found(code)  # module level: not a local


def test_module_level_unpacking_defines_each_name() -> None:
    assert {"first", "rest"} == names("first, *rest = [1, 2]\n")


def test_a_class_with_a_metaclass_keeps_its_fields_and_its_methods_may_be_hooks() -> None:
    code = "class Plugin(metaclass=Registry):\n    name = 'x'\n    def load(self):\n        pass\n"
    code += "print(Plugin)\n"
    result = analyse(DeadCodeModule(), {"app.py": code}, config=ALL)
    assert [("method `Plugin.load` is never used", 0.5)] == [
        (f.message, f.confidence) for f in result.findings
    ]


def test_explicit_re_exports_and_dunder_imports_are_never_unused() -> None:
    assert set() == names("import os as os\nfrom m import y as y\nfrom io import __all__\n")


def test_string_annotations_that_do_not_parse_are_ignored_and_dotted_ones_are_used() -> None:
    code = (
        "import typing\nfrom m import Thing\ndef f(a: 'not valid (', b: 'typing.Thing') -> None:\n"
    )
    code += "    print(a, b)\nf(1, 2)\n"
    assert {"Thing"} == names(code)


def test_a_generic_base_and_a_cycle_of_bases_are_resolved() -> None:
    code = "class A(B):\n    def ma(self):\n        pass\nclass B(A):\n    pass\n"
    code += "class Box(Generic[T]):\n    def mb(self):\n        pass\nprint(A, B, Box)\n"
    result = analyse(DeadCodeModule(), {"app.py": code}, config=ALL)
    assert {("method `A.ma` is never used", 0.6), ("method `Box.mb` is never used", 0.6)} == {
        (f.message, f.confidence) for f in result.findings
    }


def test_a_bare_except_guards_an_availability_check() -> None:
    code = "try:\n    import numpy\nexcept:\n    numpy = None\n"
    result = analyse(DeadCodeModule(), {"app.py": code}, config=ALL)
    assert {0.5} == {f.confidence for f in result.findings if "import" in f.rule_id}


def test_dunder_attributes_and_whitelisted_files_define_nothing() -> None:
    code = "def f():\n    pass\nf.__doc__ = 'x'\nf.label = 'y'\n"
    assert {("unused-attribute", "label", 4)} == found(code)


def test_constant_conditional_expressions_and_containers() -> None:
    code = "a = 1 if False else 2\nif []:\n    pass\nif [a]:\n    pass\nprint(a)\n"
    assert {1, 2} == {line for rule, _, line in found(code) if rule == "redundant-condition"}


def test_an_if_whose_branches_all_leave_ends_the_block() -> None:
    code = """
        def f(x):
            if x:
                return 1
            else:
                raise ValueError
            print("never")
        f(1)
    """
    assert {("unreachable-code", 7)} == {(r, line) for r, _, line in found(code)}


def test_try_else_finally_and_a_try_whose_every_branch_leaves() -> None:
    code = """
        def f():
            try:
                pass
            except ValueError:
                pass
            else:
                return 1
                print("a")
            finally:
                print("b")
            try:
                return 2
            except ValueError:
                raise
            print("c")
        f()
    """
    assert {9, 16} == {line for rule, _, line in found(code) if rule == "unreachable-code"}


def test_unreachable_code_in_with_async_for_and_match_bodies() -> None:
    code = """
        async def f(x):
            with x:
                return 1
                print("a")
            async for item in x:
                break
                print("b")
            match x:
                case 1:
                    return 2
                    print("c")
        print(f)
    """
    assert {5, 8, 12} == {line for rule, _, line in found(code) if rule == "unreachable-code"}


def test_a_while_true_with_break_falls_through() -> None:
    code = "def f():\n    while True:\n        break\n    return 1\nf()\n"
    assert set() == found(code)


def test_stub_bodies_and_unnamed_decorators_fix_a_signature() -> None:
    code = """
        def todo(a):
            '''Not yet.'''
            raise NotImplementedError()

        @handlers[0]
        def on(event):
            pass
        todo(1)
    """
    result = analyse(
        DeadCodeModule(), {"app.py": textwrap.dedent(code)}, config={**ALL, "unused-argument": True}
    )
    assert {("a", 0.5), ("event", 0.5)} == {
        (f.metadata["name"], f.confidence) for f in result.findings if "argument" in f.rule_id
    }


def test_an_import_read_as_an_attribute_elsewhere_may_be_a_re_export() -> None:
    files = {"app.py": "from m import helper\n", "use.py": "import app\napp.helper()\n"}
    result = analyse(DeadCodeModule(), files, config=ALL)
    assert {0.5} == {f.confidence for f in result.findings if f.location.file == "app.py"}
    assert () == analyse(DeadCodeModule(), files).findings


def test_whitelists_read_imports_and_skip_missing_files(tmp_path: Path) -> None:
    (tmp_path / "wl.py").write_text("from app import legacy as legacy\n")
    config: ModuleConfig = {**ALL, "whitelist": ["wl.py", "missing.py"]}
    result = analyse(
        DeadCodeModule(), {"app.py": "def legacy():\n    pass\n"}, config=config, root=tmp_path
    )
    assert () == result.findings


@pytest.mark.parametrize(
    "pyproject",
    ["not toml [", '[project]\nscripts = "x"\n[project.entry-points]\ngroup = "y"\n'],
)
def test_a_broken_or_odd_pyproject_adds_no_roots(tmp_path: Path, pyproject: str) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    result = analyse(
        DeadCodeModule(), {"app.py": "def main():\n    pass\n"}, config=ALL, root=tmp_path
    )
    assert ["function `main` is never used"] == [f.message for f in result.findings]


def test_finish_without_a_visitor_has_no_result() -> None:
    analyzer = DeadCodeModule().file_analyzer({})
    file = FileContext(
        path="x.txt", absolute=Path("x.txt"), text="", digest="", tree=None, language="text"
    )
    assert analyzer.visitor(file) is None
    assert () == analyzer.finish(file, None).findings


def test_make_whitelist_ignores_other_modules_findings() -> None:
    other = Finding(
        rule_id="complexity:high-cyclomatic",
        message="m",
        severity=Severity.WARNING,
        location=Location(file="a.py", start_line=1, end_line=1),
    )
    assert "" == make_whitelist([other])


def test_the_fix_refuses_a_result_that_would_not_parse() -> None:
    text = "if x:\n    pass\n"
    finding = Finding(
        rule_id="dead-code:unreachable-code",
        message="unreachable",
        severity=Severity.WARNING,
        location=Location(file="app.py", start_line=2, end_line=2),
        metadata={"kind": "after", "confidence": "100"},
    )
    result = fix_source(text, [finding], unreachable=True)
    assert text == result.text
    assert ["the result would not parse"] == [reason for _, reason in result.skipped]


def test_the_fix_skips_guarded_imports_and_statements_after_others_on_a_line() -> None:
    text = "try:\n    import numpy\nexcept ImportError:\n    pass\nx = 1; import os\nprint(x)\n"
    findings = analyse(DeadCodeModule(), {"app.py": text}, config=ALL).findings
    result = fix_source(text, findings)
    assert text == result.text
    assert {
        "the import may be an availability check",
        "another statement shares its lines",
    } == {reason for _, reason in result.skipped}
    assert {} == fix_findings(findings, {"app.py": text}.__getitem__)
