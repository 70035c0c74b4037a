"""The dead-code rules: what each one reports, and at which confidence."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from chaffra_core import AnalysisResult, ModuleConfig, Severity
from chaffra_core.analyzers.dead_code import DeadCodeModule
from chaffra_core.testing import analyse

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


def test_an_unused_import_is_reported_and_a_used_one_is_not() -> None:
    found = reported({"app.py": "import os\nimport sys\nprint(sys.argv)\n"})
    assert {("unused-import", "os")} == found


def test_from_imports_are_reported_per_bound_name_with_the_module_in_the_message() -> None:
    result = _run({"app.py": "from os.path import join, split as sp\nprint(join)\n"})
    assert ["`sp` imported from `os.path` is never used"] == [f.message for f in result.findings]
    assert 0.9 == result.findings[0].confidence


def test_unused_private_and_public_functions_have_their_confidences() -> None:
    result = _run({"app.py": "def _helper():\n    pass\n\ndef api():\n    pass\n"}, ALL)
    confidences = {f.metadata["name"]: f.metadata["confidence"] for f in result.findings}
    assert {"_helper": "80", "api": "60"} == confidences


def test_a_function_used_in_another_file_is_alive() -> None:
    files = {"a.py": "def helper():\n    pass\n", "b.py": "from a import helper\nhelper()\n"}
    assert set() == reported(files, ALL)


def test_unused_class_method_property_attribute_and_class_variable_are_reported() -> None:
    code = """
        class Cart:
            size = 0

            def __init__(self):
                self.items = []

            def total(self):
                return 1

            @property
            def empty(self):
                return True

        print(Cart())
    """
    assert {
        ("unused-variable", "size"),
        ("unused-attribute", "items"),
        ("unused-method", "total"),
        ("unused-method", "empty"),
    } == reported({"app.py": code}, ALL)


def test_an_unused_local_variable_is_certain_and_locals_calls_disable_it() -> None:
    code = """
        def f():
            count = 3
            used = 1
            return used

        def g():
            hidden = 2
            return locals()

        def h():
            total = 0
            total += 1
            _ignored = 2
            a, b = 1, 2
            return a
        f(); g(); h()
    """
    result = _run({"app.py": code})
    assert [("variable `count` is never read", 1.0)] == [
        (f.message, f.confidence) for f in result.findings
    ]


def test_a_variable_read_by_a_nested_function_is_used() -> None:
    code = """
        def outer():
            value = 1
            def inner():
                return value
            return inner
        outer()
    """
    assert set() == reported({"app.py": code}, ALL)


def test_unused_arguments_are_off_by_default_and_reported_when_enabled() -> None:
    code = """
        def send(message, retries, _spare):
            return message

        def stub(a):
            ...

        class Handler:
            def handle(self, request):
                return 1

        send(1, 2, 3); stub(1); Handler().handle(1)
    """
    assert set() == reported({"app.py": code})
    found = reported({"app.py": code}, {"unused-argument": True})
    assert {("unused-argument", "retries"), ("unused-argument", "request")} == found


def test_unreachable_code_after_return_raise_break_and_continue() -> None:
    code = """
        def f(items):
            for item in items:
                if item:
                    continue
                    print("a")
                break
                print("b")
            return 1
            print("c")

        def g():
            raise ValueError
            print("d")
        f([]); g()
    """
    result = _run({"app.py": code})
    assert [6, 8, 10, 14] == [f.location.start_line for f in result.findings]
    assert {"dead-code:unreachable-code"} == {f.rule_id for f in result.findings}
    assert "unreachable code after `return`" in {f.message for f in result.findings}


def test_a_while_true_loop_without_break_ends_nothing_and_its_else_is_unreachable() -> None:
    code = """
        def serve():
            while True:
                pass
            else:
                print("never")
            print("after")

        def poll():
            while True:
                if ready():
                    break
            print("reached")
        serve(); poll()
    """
    result = _run({"app.py": code})
    assert [(6, "unreachable-code"), (7, "unreachable-code")] == [
        (f.location.start_line, f.rule_id.partition(":")[2]) for f in result.findings
    ]


def test_constant_conditions_are_redundant() -> None:
    code = """
        if False:
            print("off")
        if 0 and x:
            print("off")
        if True:
            print("on")
        value = 1 if True else 2
        while 0:
            pass
        if True:
            pass
        else:
            print("never")
        while 1:
            break
        print(value)
    """
    result = _run({"app.py": code})
    assert [
        (2, "redundant-condition"),
        (4, "redundant-condition"),
        (6, "redundant-condition"),
        (8, "redundant-condition"),
        (9, "redundant-condition"),
        (14, "unreachable-code"),
    ] == [(f.location.start_line, f.rule_id.partition(":")[2]) for f in result.findings]


def test_a_try_whose_body_always_raises_has_an_unreachable_else() -> None:
    code = """
        def f():
            try:
                raise ValueError
            except KeyError:
                return 1
            else:
                print("never")
        f()
    """
    result = _run({"app.py": code})
    assert [8] == [f.location.start_line for f in result.findings]


def test_a_module_nothing_imports_is_an_unused_file_but_entry_points_are_not() -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/used.py": "X = 1\n",
        "pkg/_orphan.py": "Y = 1\n",
        "pkg/public_orphan.py": "Z = 1\n",
        "pkg/script.py": "if __name__ == '__main__':\n    print(1)\n",
        "pkg/tool.py": "#!/usr/bin/env python\nprint(1)\n",
        "pkg/tests/test_x.py": "def test_x():\n    pass\n",
        "pkg/conftest.py": "",
        "top.py": "from pkg import used\nprint(used.X)\n",
    }
    result = _run(files, ALL)
    unused = {
        (f.location.file, f.confidence) for f in result.findings if f.rule_id.endswith("file")
    }
    assert {("pkg/_orphan.py", 0.8), ("pkg/public_orphan.py", 0.5)} == unused
    assert all(f.severity is Severity.INFO for f in result.findings if "file" in f.rule_id)


def test_a_module_named_in_a_dotted_string_or_imported_relatively_is_used() -> None:
    files = {
        "site/__init__.py": "",
        "site/settings.py": "ROOT_URLCONF = 'site.urls'\nBACKEND = 'site.backends.Fast'\n",
        "site/urls.py": "from . import views\nprint(views)\n",
        "site/views.py": "",
        "site/backends.py": "class Fast:\n    pass\n",
    }
    assert set() == {r for r in reported(files, ALL) if r[0] == "unused-file"}


def test_imports_written_from_a_package_root_match_paths_from_the_project_root() -> None:
    files = {
        "src/pkg/__init__.py": "",
        "src/pkg/mod.py": "def f():\n    pass\n",
        "src/pkg/cli.py": "from pkg.mod import f\nf()\nif __name__ == '__main__':\n    pass\n",
    }
    assert set() == reported(files, ALL)
