"""Entry points without ``importlib.metadata``: the same answer, at a fraction of the import."""

from __future__ import annotations

import importlib.metadata
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core._entry_points import EntryPoint, entry_points

GROUP = "demo.plugins"


def _metadata(group: str) -> list[tuple[str, str, str]]:
    return sorted((e.name, e.value, e.group) for e in importlib.metadata.entry_points(group=group))


def _ours(group: str) -> list[tuple[str, str, str]]:
    return sorted((e.name, e.value, e.group) for e in entry_points(group=group))


def _distribution(site: Path, directory: str, text: str | None) -> None:
    (site / directory).mkdir(parents=True)
    if text is not None:
        (site / directory / "entry_points.txt").write_text(text, encoding="utf-8")


@pytest.fixture
def sites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Two site directories first on ``sys.path`` (and a missing one), with distributions."""
    first, second = tmp_path / "first", tmp_path / "second"
    _distribution(
        first,
        "Foo_Bar-1.0.dist-info",
        "# comment\n\n[demo.plugins]\n one = pkg.mod:Outer.Inner [extra]\n"
        "two=pkg.mod\n[other]\nthree = x:y\n",
    )
    _distribution(first, "nothing-2.0.dist-info", None)
    _distribution(first, "legacy.egg-info", "[demo.plugins]\nold = legacy:factory\n")
    _distribution(second, "foo.bar-3.0.dist-info", "[demo.plugins]\nshadowed = pkg:nope\n")
    _distribution(second, "baz-1.0.dist-info", "[demo.plugins]\nfour = baz:make\n")
    (second / "not-metadata").mkdir()
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    return first, second


def test_the_entry_points_of_this_environment_equal_importlib_metadatas() -> None:
    for group in ("chaffra.modules", "console_scripts"):
        assert _metadata(group) == _ours(group)
    assert {"complexity", "dead-code", "security"} <= {
        e.name for e in entry_points(group="chaffra.modules")
    }


def test_each_distribution_counts_once_the_first_on_sys_path_wins(
    sites: tuple[Path, Path],
) -> None:
    expected = [
        ("four", "baz:make", GROUP),
        ("old", "legacy:factory", GROUP),
        ("one", "pkg.mod:Outer.Inner [extra]", GROUP),
        ("two", "pkg.mod", GROUP),
    ]
    assert expected == _ours(GROUP) == _metadata(GROUP)
    assert [("three", "x:y", "other")] == _ours("other") == _metadata("other")


def test_loading_imports_the_module_and_follows_the_attribute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "demo_plugin_module.py").write_text(
        "class Outer:\n    class Inner:\n        pass\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = EntryPoint(name="m", value="demo_plugin_module", group=GROUP).load()
    inner = EntryPoint(name="i", value=" demo_plugin_module : Outer.Inner [x]", group=GROUP).load()
    assert "demo_plugin_module" == getattr(module, "__name__", None)
    assert "Outer.Inner" == getattr(inner, "__qualname__", None)


def test_a_zip_or_egg_on_sys_path_is_left_to_importlib_metadata(
    sites: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped-1.0.dist-info/entry_points.txt", "[demo.plugins]\nz = zipped:z\n")
        zipped.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n")
    sites_only = list(sys.path)
    monkeypatch.setattr(sys, "path", [*sites_only, str(archive)])
    assert "z" in {name for name, _, _ in _ours(GROUP)}
    assert _metadata(GROUP) == _ours(GROUP)
    for odd in (str(tmp_path / "thing.egg"), sites[1]):  # an egg, a Path object
        monkeypatch.setattr(sys, "path", [*sites_only, odd])
        assert _metadata(GROUP) == _ours(GROUP)


def test_another_finder_of_distributions_is_left_to_importlib_metadata(
    sites: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _distribution(tmp_path / "elsewhere", "extra-1.0.dist-info", "[demo.plugins]\nx = e:x\n")
    found = importlib.metadata.PathDistribution(tmp_path / "elsewhere" / "extra-1.0.dist-info")

    class Finder:
        @staticmethod
        def find_distributions(context: object = None) -> list[importlib.metadata.Distribution]:
            return [found]

        @staticmethod
        def find_spec(*args: object) -> None:
            return None

    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert ("x", "e:x", GROUP) in _ours(GROUP)
    assert _metadata(GROUP) == _ours(GROUP)


_WORD = st.text("abcxyz_.-:", min_size=1, max_size=8)
_LINE = st.one_of(
    st.builds(
        lambda n, v, pad: f"{pad}{n}{pad}={pad}{v}{pad}", _WORD, _WORD, st.sampled_from(["", " "])
    ),
    st.builds(lambda g: f"[{g}]", st.sampled_from([GROUP, "other", "demo"])),
    st.sampled_from(["", "   ", "# a comment", "#[demo.plugins]"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, max_size=12))
def test_an_entry_points_file_reads_as_importlib_metadata_reads_it(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "x-1.0.dist-info"
        directory.mkdir()
        (directory / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")
        theirs = importlib.metadata.PathDistribution(directory).entry_points
        expected = sorted((e.name, e.value) for e in theirs if e.group == GROUP)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "path", [scratch])
            assert expected == sorted((e.name, e.value) for e in entry_points(group=GROUP))
