"""Finding the project configuration by walking up from the target (spec cli-and-core §5.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaffra_core._config import ConfigKind, ConfigSource, discover_config
from chaffra_core.errors import ConfigError

TOOL_TABLE = "[tool.chaffra.health]\nmin-score = 50\n"


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root: the walk never goes above it."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


def test_a_config_file_in_the_target_directory_is_found(repo: Path) -> None:
    path = write(repo / ".chaffra.toml")
    assert ConfigSource(path=path, kind=ConfigKind.CHAFFRA_TOML) == discover_config(repo)


def test_the_walk_goes_up_from_nested_directories(repo: Path) -> None:
    path = write(repo / ".chaffra.toml")
    deep = repo / "src" / "pkg" / "sub"
    deep.mkdir(parents=True)
    source = discover_config(deep)
    assert source is not None
    assert (path, repo) == (source.path, source.root)


def test_a_file_target_starts_the_walk_in_its_directory(repo: Path) -> None:
    path = write(repo / "pkg" / ".chaffra.toml")
    target = write(repo / "pkg" / "mod.py")
    assert ConfigSource(path=path, kind=ConfigKind.CHAFFRA_TOML) == discover_config(target)


def test_a_missing_target_starts_the_walk_in_its_parent(repo: Path) -> None:
    path = write(repo / ".chaffra.toml")
    source = discover_config(repo / "not-yet" / "written.py")
    assert source is not None
    assert path == source.path


def test_a_path_below_a_regular_file_starts_the_walk_above_it(repo: Path) -> None:
    path = write(repo / ".chaffra.toml")
    source = discover_config(write(repo / "mod.py") / "child")
    assert source is not None
    assert path == source.path


def test_a_relative_target_is_made_absolute_lexically(repo: Path) -> None:
    write(repo / ".chaffra.toml")
    (repo / "a").mkdir()
    source = discover_config(repo / "a" / ".." / "a")
    assert source is not None
    assert repo == source.root


def test_the_nearest_config_wins(repo: Path) -> None:
    write(repo / ".chaffra.toml")
    nearer = write(repo / "sub" / "pyproject.toml", TOOL_TABLE)
    assert ConfigSource(path=nearer, kind=ConfigKind.PYPROJECT) == discover_config(repo / "sub")


def test_the_walk_stops_at_the_repository_root(tmp_path: Path, repo: Path) -> None:
    write(tmp_path / ".chaffra.toml")
    (repo / "src").mkdir()
    assert discover_config(repo / "src") is None


def test_a_git_file_also_marks_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / ".chaffra.toml")
    worktree = tmp_path / "worktree"
    write(worktree / ".git", "gitdir: /elsewhere\n")
    assert discover_config(worktree) is None


def test_the_repository_root_itself_is_checked(repo: Path) -> None:
    path = write(repo / "pyproject.toml", TOOL_TABLE)
    (repo / "src").mkdir()
    assert ConfigSource(path=path, kind=ConfigKind.PYPROJECT) == discover_config(repo / "src")


def test_a_pyproject_without_tool_chaffra_is_passed_over(repo: Path) -> None:
    path = write(repo / ".chaffra.toml")
    write(repo / "sub" / "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\n')
    write(repo / "other" / "pyproject.toml", "tool = 1\n")
    for start in ("sub", "other"):
        source = discover_config(repo / start)
        assert source is not None
        assert path == source.path


def test_chaffra_toml_wins_over_pyproject_beside_it_with_a_warning(repo: Path) -> None:
    chaffra = write(repo / ".chaffra.toml")
    pyproject = write(repo / "pyproject.toml", TOOL_TABLE)
    source = discover_config(repo)
    assert source is not None
    assert (chaffra, ConfigKind.CHAFFRA_TOML) == (source.path, source.kind)
    (warning,) = source.warnings
    assert str(chaffra) in warning
    assert str(pyproject) in warning


def test_no_config_up_to_the_filesystem_root_means_none(tmp_path: Path) -> None:
    """No .git on the way: the walk ends at ``/`` (assumes no config above the temp dir)."""
    assert discover_config(tmp_path) is None


def test_a_broken_pyproject_on_the_way_is_an_error(repo: Path) -> None:
    path = write(repo / "pyproject.toml", "[tool.chaffra\n")
    with pytest.raises(ConfigError, match="invalid TOML") as caught:
        discover_config(repo)
    assert (str(path), 1) == (caught.value.path, caught.value.line)


def test_a_config_whose_existence_cannot_be_determined_is_an_error(repo: Path) -> None:
    loop = repo / ".chaffra.toml"
    loop.symlink_to(loop)
    with pytest.raises(ConfigError, match="failed to probe") as caught:
        discover_config(repo)
    assert str(loop) == caught.value.path


def test_a_directory_named_like_the_config_is_found_and_fails_when_loaded(repo: Path) -> None:
    """It exists, so it is the configuration; it cannot be read, which is an error later."""
    (repo / ".chaffra.toml").mkdir()
    source = discover_config(repo)
    assert source is not None
    assert repo / ".chaffra.toml" == source.path
