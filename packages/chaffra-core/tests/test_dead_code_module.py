"""The dead-code module: each rule, its confidence, and every liveness root and trap."""

from __future__ import annotations

import json
import pickle
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core import AnalysisResult, ConfigError, ModuleConfig, ProjectContext, Severity
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


# -- the rules -----------------------------------------------------------------------------


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


# -- roots and traps -------------------------------------------------------------------------


def test_names_in_dunder_all_and_init_re_exports_are_used() -> None:
    files = {
        "pkg/__init__.py": "from pkg._impl import helper\nimport json\n",
        "pkg/_impl.py": "def helper():\n    pass\n\ndef exported():\n    pass\n"
        "__all__ = ['exported']\n",
        "pkg/api.py": "from os import path\n__all__ = ['path']\n",
    }
    assert set() == {r for r in reported(files, ALL) if r[0] != "unused-file"}


def test_a_name_imported_from_a_module_that_does_not_use_it_is_a_re_export() -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/compat.py": "from json import loads\n",
        "pkg/user.py": "from pkg.compat import loads\nprint(loads)\n",
        "pkg/other.py": "from .compat import loads as l\nprint(l)\n",
    }
    assert set() == {r for r in reported(files, ALL) if r[0] == "unused-import"}


def test_dunder_and_protocol_methods_are_roots() -> None:
    code = """
        from typing import Protocol

        class Box:
            def __enter__(self):
                return self
            def __exit__(self, *exc):
                return None
            def __len__(self):
                return 0

        class Reader(Protocol):
            def read_all(self) -> bytes: ...

        print(Box, Reader)
    """
    assert set() == reported({"app.py": code}, ALL)


def test_names_reached_through_getattr_hasattr_and_globals_strings_are_used() -> None:
    code = """
        def handler_a():
            pass

        def handler_b():
            pass

        def handler_c():
            pass

        class Plugin:
            def on_start(self):
                pass

        getattr(Plugin(), "on_start")()
        hasattr(Plugin, "handler_a")
        globals()["handler_b"]()
        from operator import methodcaller
        methodcaller("handler_c")
    """
    assert set() == reported({"app.py": code}, ALL)


@pytest.mark.parametrize(
    "decorated",
    [
        "@app.route('/')\ndef index():\n    pass\n",
        "@router.get('/items')\nasync def items():\n    pass\n",
        "@click.command()\ndef cli():\n    pass\n",
        "@pytest.fixture\ndef client():\n    pass\n",
        "@celery.task\ndef send_mail():\n    pass\n",
        "@shared_task\ndef cleanup():\n    pass\n",
        "@receiver(post_save, sender=User)\ndef on_save(sender, **kwargs):\n    pass\n",
        "@process.register(int)\ndef _process_int(value):\n    pass\n",
        "@overload\ndef parse(x: int) -> int: ...\n",
        "@admin.register(Book)\nclass BookAdmin(admin.ModelAdmin):\n    list_display = ['t']\n",
    ],
)
def test_definitions_registered_by_a_framework_decorator_are_roots(decorated: str) -> None:
    assert set() == reported({"app.py": decorated}, ALL)


def test_pytest_hooks_and_everything_in_conftest_are_roots() -> None:
    files = {
        "plugin.py": "def pytest_configure(config):\n    pass\n",
        "conftest.py": "import pytest\n\ndef helper():\n    pass\n\nSETTING = 1\n",
        "tests/test_app.py": "def test_one():\n    pass\n\nclass TestApp:\n"
        "    def setUp(self):\n        pass\n    def test_two(self):\n        pass\n",
    }
    assert set() == {r for r in reported(files, ALL) if r[0] != "unused-file"}


def test_a_property_setter_and_its_getter_are_one_used_property() -> None:
    code = """
        class Temperature:
            @property
            def celsius(self):
                return 1

            @celsius.setter
            def celsius(self, value):
                pass

        Temperature().celsius = 3
    """
    assert set() == {r for r in reported({"app.py": code}, ALL) if r[0] != "unused-attribute"}


@pytest.mark.parametrize(
    "declaration",
    [
        "@dataclass\nclass Point:\n    x: int\n    y: int = 0\n",
        "@attrs.frozen\nclass Point:\n    x: int\n",
        "class Point(BaseModel):\n    x: int\n",
        "class Point(NamedTuple):\n    x: int\n",
        "class Point(TypedDict):\n    x: int\n",
        "class Color(Enum):\n    RED = 1\n    GREEN = 2\n",
        "class Book(models.Model):\n    title = models.CharField()\n"
        "    class Meta:\n        ordering = ['title']\n",
    ],
)
def test_fields_of_declarative_classes_are_roots(declaration: str) -> None:
    found = reported({"app.py": declaration + "print(Point, Color, Book)\n"}, ALL)
    assert set() == found


def test_django_migrations_commands_and_app_configs_are_roots() -> None:
    files = {
        "shop/__init__.py": "",
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": "from django.db import migrations\n\n"
        "class Migration(migrations.Migration):\n    dependencies = []\n\n"
        "def forwards(apps, schema_editor):\n    pass\n",
        "shop/management/__init__.py": "",
        "shop/management/commands/__init__.py": "",
        "shop/management/commands/report.py": "from django.core.management.base import "
        "BaseCommand\n\nclass Command(BaseCommand):\n    def handle(self, *args, **options):\n"
        "        pass\n",
        "shop/apps.py": "from django.apps import AppConfig\n\nclass ShopConfig(AppConfig):\n"
        "    name = 'shop'\n    def ready(self):\n        pass\n",
        "shop/models.py": "from django.db import models\n\nclass Item(models.Model):\n"
        "    name = models.CharField()\n    def save(self, *args, **kwargs):\n"
        "        super().save(*args, **kwargs)\n",
    }
    assert set() == reported(files)


def test_abstract_methods_and_overrides_of_a_used_base_method_are_alive() -> None:
    code = """
        import abc

        class Shape(abc.ABC):
            @abc.abstractmethod
            def area(self): ...

        class Square(Shape):
            def area(self):
                return 4

        def total(shape: Shape):
            return shape.area()
        print(Square, total)
    """
    assert set() == reported({"app.py": code}, ALL)


def test_a_method_of_a_class_with_an_external_base_is_below_the_default() -> None:
    code = """
        import ast

        class Finder(ast.NodeVisitor):
            def visit_Name(self, node):
                pass
        print(Finder)
    """
    assert set() == reported({"app.py": code})
    assert {("unused-method", "visit_Name")} == reported({"app.py": code}, ALL)


def test_type_checking_imports_used_in_annotations_and_strings_are_used() -> None:
    code = """
        from typing import TYPE_CHECKING, cast
        if TYPE_CHECKING:
            from decimal import Decimal
            from fractions import Fraction
            from collections import OrderedDict
            from pathlib import Path

        def f(x: "Decimal") -> "list[Fraction]":
            y: "OrderedDict[str, int]" = cast("Path", x)
            return y
        f(1)
    """
    assert set() == reported({"app.py": code}, ALL)


def test_pyproject_scripts_and_entry_points_are_roots(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[project.scripts]\nx = "pkg.cli:main"\n'
        '[project.entry-points."chaffra.modules"]\nm = "pkg.plugin:Plugin"\n'
    )
    files = {
        "pkg/__init__.py": "",
        "pkg/cli.py": "def main():\n    pass\n",
        "pkg/plugin.py": "class Plugin:\n    pass\n",
    }
    result = _run(files, ALL, root=tmp_path)
    assert () == result.findings


def test_project_entry_globs_keep_a_module_from_being_unused() -> None:
    module = DeadCodeModule()
    files = {"pkg/__init__.py": "", "pkg/jobs/__init__.py": "", "pkg/jobs/nightly.py": "print(1)\n"}
    summaries = [summarise(module, text, path=path, config=ALL) for path, text in files.items()]
    bare = module.combine(summaries, ALL, ProjectContext(root=Path("p"), target=Path("p")))
    assert ["pkg/jobs/nightly.py"] == [f.location.file for f in bare.findings]
    context = ProjectContext(root=Path("p"), target=Path("p"), entry=("pkg/jobs/*.py",))
    assert () == module.combine(summaries, ALL, context).findings


def test_the_main_block_keeps_its_names_used() -> None:
    code = """
        def main():
            pass

        if __name__ == "__main__":
            main()
    """
    assert set() == reported({"tool.py": code}, ALL)


def test_a_name_used_only_in_a_string_is_below_the_default_confidence() -> None:
    files = {"formats.py": "DATE_FORMAT = 'Y'\n", "use.py": "print(get_format('DATE_FORMAT'))\n"}
    assert set() == {r for r in reported(files) if r[0] == "unused-variable"}


def test_imports_guarded_by_import_error_are_availability_checks() -> None:
    code = "try:\n    import numpy\nexcept ImportError:\n    HAS = False\nprint(HAS)\n"
    assert set() == reported({"app.py": code})


# -- whitelists, ignore-names and configuration --------------------------------------------------


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


def test_test_case_classes_and_module_variables_of_test_files_are_roots() -> None:
    files = {
        "tests/test_shop.py": "import unittest\n\nclass CheckoutChecks(unittest.TestCase):\n"
        "    def test_pay(self):\n        pass\n\nFrozen_Checks, Source_Checks = 1, 2\n",
    }
    assert set() == {r for r in reported(files, ALL) if r[0] != "unused-file"}


def test_definitions_of_a_star_imported_module_are_below_the_default() -> None:
    files = {
        "__init__.py": "from .pkg.constants import *\n",
        "pkg/__init__.py": "",
        "pkg/constants.py": "NUMERIC = 'numeric'\n\nclass Anchor:\n    pass\n",
        "pkg/widgets.py": "from pkg.constants import *\nprint(1)\n",
    }
    assert set() == reported(files)
    assert {("unused-variable", "NUMERIC"), ("unused-class", "Anchor")} <= reported(files, ALL)


_SOURCES = st.sampled_from(
    [
        "def alpha():\n    pass\n",
        "print(alpha)\n",
        "from b import beta\nprint(beta)\n",
        "def beta():\n    pass\nclass Gamma(Base):\n    def run(self):\n        pass\n",
        "class Base:\n    pass\nimport os\n",
        "",
    ]
)


@settings(max_examples=80, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(["a.py", "b.py", "pkg/c.py"]), st.none() | _SOURCES),
        min_size=1,
        max_size=6,
    )
)
def test_an_index_updated_edit_by_edit_equals_one_built_from_scratch(
    edits: list[tuple[str, str | None]],
) -> None:
    """What watch and the LSP rely on: a module kept between runs recombines only the
    changed files' facts, and reports exactly what a fresh module reports."""
    project = ProjectContext(root=Path("p"), target=Path("p"))
    kept = DeadCodeModule()
    texts: dict[str, str] = {"pkg/__init__.py": ""}
    for path, text in edits:
        if text is None:
            texts.pop(path, None)
        else:
            texts[path] = text
        summaries = [summarise(kept, t, path=p, config=ALL) for p, t in sorted(texts.items())]
        incremental = kept.combine(summaries, ALL, project).findings
        fresh = DeadCodeModule().combine(summaries, ALL, project).findings
        assert fresh == incremental


def test_subclasses_of_an_app_config_subclass_are_roots_across_files() -> None:
    files = {
        "contrib/base.py": "from django.apps import AppConfig\n\n"
        "class SimpleAdminConfig(AppConfig):\n    pass\n",
        "contrib/full.py": "from contrib.base import SimpleAdminConfig\n\n"
        "class AdminConfig(SimpleAdminConfig):\n    pass\n",
    }
    assert set() == {r for r in reported(files, ALL) if r[0] == "unused-class"}


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
