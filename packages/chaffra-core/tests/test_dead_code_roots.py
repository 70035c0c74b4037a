"""Liveness roots and false-positive traps: what is used although no code names it."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from chaffra_core import AnalysisResult, ModuleConfig, ProjectContext
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
    "lookup",
    [
        'getattr(self, "visit_" + type(node).__name__)',
        'getattr(self, f"visit_{type(node).__name__}", None)',
        'hasattr(self, "visit_%s" % type(node).__name__)',
        'getattr(self, "visit_{}".format(type(node).__name__))',
        'globals()["visit_" + type(node).__name__]',
    ],
)
def test_a_name_built_from_a_prefix_keeps_every_definition_with_that_prefix(
    lookup: str,
) -> None:
    """The dispatch of ``ast.NodeVisitor`` and ``cmd.Cmd`` (vulture reports their subclasses'
    ``visit_*`` / ``do_*`` methods): a lookup by prefix reaches them all, in any file."""
    files = {
        "walker.py": f"class Walker:\n    def walk(self, node):\n        return {lookup}\n",
        "finder.py": "from walker import Walker\n\nclass Finder(Walker):\n"
        "    def visit_Name(self, node):\n        pass\n\n"
        "    def leave_Name(self, node):\n        pass\n\nprint(Finder)\n",
    }
    found = reported(files, ALL)
    assert ("unused-method", "visit_Name") not in found
    assert ("unused-method", "leave_Name") in found


def test_a_prefix_held_in_a_variable_is_followed_to_the_lookup() -> None:
    code = """
        class Shell:
            def onecmd(self, line):
                method = "do_" + line
                return getattr(self, method)()

            def do_quit(self):
                pass

            def help_quit(self):
                pass

        print(Shell().onecmd)
    """
    assert {("unused-method", "help_quit")} == reported({"app.py": code}, ALL)


@pytest.mark.parametrize(
    "lookup",
    ['getattr(self, name + "_x")', 'getattr(self, f"{name}")', 'getattr(self, "x" + name)'],
)
def test_a_lookup_without_an_identifier_prefix_keeps_nothing_alive(lookup: str) -> None:
    code = f"class A:\n    def f(self, name):\n        return {lookup}\n\n    def g(self):\n"
    code += "        pass\n\n\nprint(A().f)\n"
    assert {("unused-method", "g")} == reported({"app.py": code}, ALL)


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


def test_subclasses_of_an_app_config_subclass_are_roots_across_files() -> None:
    files = {
        "contrib/base.py": "from django.apps import AppConfig\n\n"
        "class SimpleAdminConfig(AppConfig):\n    pass\n",
        "contrib/full.py": "from contrib.base import SimpleAdminConfig\n\n"
        "class AdminConfig(SimpleAdminConfig):\n    pass\n",
    }
    assert set() == {r for r in reported(files, ALL) if r[0] == "unused-class"}
