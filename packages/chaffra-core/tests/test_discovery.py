"""Source discovery: ignore files, default excludes, symlinks and order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core import _discovery
from chaffra_core._discovery import DEFAULT_EXCLUDES, discover


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _rel(root: Path, paths: list[Path]) -> list[str]:
    return [path.relative_to(root).as_posix() for path in paths]


def test_nested_gitignore_files_apply_relative_to_their_directory_with_negation(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "# generated\n\n*_gen.py\nlogs/\n",
            "a.py": "",
            "x_gen.py": "",
            "logs/l.py": "",
            "sub/.gitignore": "!keep_gen.py\n*_tmp.py\n/only_here.py\n",
            "sub/keep_gen.py": "",
            "sub/y_gen.py": "",
            "sub/z_tmp.py": "",
            "sub/only_here.py": "",
            "sub/deeper/only_here.py": "",
            "other/z_tmp.py": "",
        },
    )

    assert [
        "a.py",
        "other/z_tmp.py",
        "sub/deeper/only_here.py",
        "sub/keep_gen.py",
    ] == _rel(tmp_path, discover(tmp_path))


def test_a_file_inside_an_ignored_directory_cannot_be_re_included(tmp_path: Path) -> None:
    """As in git: once a directory is excluded, negations below it are never read."""
    _tree(tmp_path, {".gitignore": "gen/\n!gen/keep.py\n", "gen/keep.py": "", "a.py": ""})

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_dir_contents_pattern_can_be_negated_for_one_file(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "gen/*\n!gen/keep.py\n", "gen/keep.py": "", "gen/no.py": ""})

    assert ["gen/keep.py"] == _rel(tmp_path, discover(tmp_path))


def test_default_excluded_directories_are_skipped_at_any_depth(tmp_path: Path) -> None:
    files = {f"pkg/{name}/m.py": "" for name in DEFAULT_EXCLUDES}
    files |= {"pkg/.hidden/h.py": "", "pkg/m.py": ""}
    _tree(tmp_path, files)

    assert ["pkg/.hidden/h.py", "pkg/m.py"] == _rel(tmp_path, discover(tmp_path))


def test_a_directory_holding_pyvenv_cfg_is_a_virtualenv_whatever_its_name(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, {"myenv/pyvenv.cfg": "home = /usr\n", "myenv/lib/site.py": "", "a.py": ""})

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_a_target_that_is_itself_a_virtualenv_is_still_walked(tmp_path: Path) -> None:
    _tree(tmp_path, {"pyvenv.cfg": "", "a.py": ""})

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_only_py_files_are_sources(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.py": "", "b.pyi": "", "c.pyw": "", "D.PY": "", "script": ""})
    (tmp_path / "broken.py").symlink_to(tmp_path / "missing.py")

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_config_ignore_globs_are_relative_to_the_root_and_win_over_gitignore(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "vendored.py\n",
            "vendored.py": "",
            "generated/g.py": "",
            "pkg/api_pb2.py": "",
            "pkg/api.py": "",
        },
    )

    found = discover(tmp_path, ignore=["generated/**", "*_pb2.py", "!vendored.py"])

    assert ["pkg/api.py", "vendored.py"] == _rel(tmp_path, found)


def test_invalid_ignore_patterns_are_dropped_and_the_others_kept(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "!\nb.py\n", "a.py": "", "b.py": ""})

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_chaffraignore_files_are_read_after_gitignore(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "*.py\n", ".chaffraignore": "!a.py\n", "a.py": "", "b.py": ""})

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_an_unreadable_ignore_file_contributes_no_patterns(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore/x": "", "a.py": ""})

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_a_subdirectory_target_honours_ignore_files_between_root_and_it(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            ".gitignore": "src/gen/\n",
            "src/.gitignore": "*_tmp.py\n",
            "src/app/.gitignore": "!keep_tmp.py\n",
            "src/app/a.py": "",
            "src/app/gen/x.py": "",
            "src/app/b_tmp.py": "",
            "src/app/keep_tmp.py": "",
            "src/gen/g.py": "",
            "lib/sub/z_tmp.py": "",
        },
    )

    found = discover(tmp_path / "src" / "app", root=tmp_path)

    assert ["src/app/a.py", "src/app/gen/x.py", "src/app/keep_tmp.py"] == _rel(tmp_path, found)
    assert ["lib/sub/z_tmp.py"] == _rel(tmp_path, discover(tmp_path / "lib" / "sub", root=tmp_path))


def test_a_file_target_is_returned_even_when_ignored(tmp_path: Path) -> None:
    _tree(tmp_path, {".gitignore": "a.py\n", "a.py": "", "notes.txt": ""})

    assert [tmp_path / "a.py"] == discover(tmp_path / "a.py", root=tmp_path)
    assert [tmp_path / "a.py"] == discover(tmp_path / "a.py")
    assert [] == discover(tmp_path / "notes.txt")


def test_a_missing_target_or_one_outside_the_root_is_refused(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/x.py": "", "b/y.py": ""})

    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        discover(tmp_path / "missing")
    with pytest.raises(ValueError, match="is not inside the root"):
        discover(tmp_path / "a", root=tmp_path / "b")


def test_a_symlink_loop_terminates_and_reports_each_file_once(tmp_path: Path) -> None:
    _tree(tmp_path, {"a/m.py": "", "b.py": ""})
    os.symlink(tmp_path, tmp_path / "a" / "to_root", target_is_directory=True)
    os.symlink(tmp_path / "a", tmp_path / "a" / "to_self", target_is_directory=True)

    assert ["a/m.py", "b.py"] == _rel(tmp_path, discover(tmp_path))


def test_a_directory_outside_the_tree_is_followed_once_through_symlinks(
    tmp_path: Path,
) -> None:
    outside = _tree(tmp_path / "outside", {"m.py": "", "deep/n.py": ""})
    os.symlink(outside, outside / "deep" / "back", target_is_directory=True)
    project = _tree(tmp_path / "project", {"a.py": ""})
    os.symlink(outside, project / "link1", target_is_directory=True)
    os.symlink(outside, project / "link2", target_is_directory=True)

    assert ["a.py", "link1/deep/n.py", "link1/m.py"] == _rel(project, discover(project))


def test_a_file_symlink_inside_the_tree_is_analysed_once_under_its_real_path(
    tmp_path: Path,
) -> None:
    _tree(tmp_path, {"m.py": "", "pkg/z.py": ""})
    (tmp_path / "a_link.py").symlink_to(tmp_path / "pkg" / "z.py")
    (tmp_path / "z_link.py").symlink_to(tmp_path / "m.py")

    assert ["m.py", "pkg/z.py"] == _rel(tmp_path, discover(tmp_path))


def test_a_file_symlink_to_outside_the_tree_is_analysed_under_its_link(tmp_path: Path) -> None:
    _tree(tmp_path, {"outside/o.py": "", "project/a.py": ""})
    (tmp_path / "project" / "o.py").symlink_to(tmp_path / "outside" / "o.py")

    assert ["a.py", "o.py"] == _rel(tmp_path / "project", discover(tmp_path / "project"))


def test_unreadable_directories_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path, {"locked/x.py": "", "a.py": ""})
    real_scandir = os.scandir

    def scandir(path: Any) -> Iterator[os.DirEntry[str]]:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)

    assert ["a.py"] == _rel(tmp_path, discover(tmp_path))


def test_an_entry_whose_stat_fails_is_neither_file_nor_directory() -> None:
    class Failing:
        def is_dir(self) -> bool:
            raise PermissionError(13, "Permission denied")

    assert None is _discovery._kind(Failing())  # type: ignore[arg-type]


_NAMES = st.sampled_from(["a", "b", "c", "pkg", "x_y", "Z"])
_TREES = st.lists(
    st.lists(_NAMES, min_size=1, max_size=3).map(lambda parts: "/".join(parts) + ".py"),
    min_size=1,
    max_size=12,
    unique=True,
)


@settings(max_examples=40, deadline=None)
@given(files=_TREES, data=st.data())
def test_the_result_is_sorted_and_independent_of_creation_order(
    tmp_path_factory: pytest.TempPathFactory, files: list[str], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(files))
    first = _tree(tmp_path_factory.mktemp("first"), dict.fromkeys(files, ""))
    second = _tree(tmp_path_factory.mktemp("second"), dict.fromkeys(shuffled, ""))

    found = _rel(first, discover(first))

    assert sorted(files) == found
    assert found == _rel(second, discover(second))
