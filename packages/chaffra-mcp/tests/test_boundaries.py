"""Input handling at the trust boundary: paths, arguments, cursors, settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_core import ConfigError, cache_home
from chaffra_mcp import ServerSettings, ToolError, UsageError
from chaffra_mcp._arguments import ArgumentValidator
from chaffra_mcp._paging import PageCache, _encode, estimate_tokens, render_page
from chaffra_mcp._paths import confine
from chaffra_mcp._registry import Listing, PageInfo, ToolRegistry, ToolSpec


def settings_for(*roots: Path, tmp: Path) -> ServerSettings:
    return ServerSettings.create(roots, cache_dir=tmp / "cache")


def test_no_path_means_the_first_root_and_relative_paths_start_there(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    (first / "sub").mkdir(parents=True)
    second.mkdir()
    settings = settings_for(first, second, tmp=tmp_path)
    assert first == confine(None, settings)
    assert first / "sub" == confine("sub", settings)
    assert second == confine(str(second), settings)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("", "Invalid path: '': expected a file or directory path"),
        ("a\0b", "Invalid path: 'a\\x00b': expected"),
        ("missing", "Invalid path: missing: no such file or directory"),
        ("..", "is outside the server's roots"),
        ("escape", "is outside the server's roots"),
        ("fifo", "not a regular file or directory"),
    ],
)
def test_paths_outside_the_roots_or_unusable_are_refused(
    argument: str, message: str, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "escape").symlink_to(tmp_path)
    os.mkfifo(root / "fifo")
    with pytest.raises(ToolError, match=r"^Invalid path: ") as caught:
        confine(argument, settings_for(root, tmp=tmp_path))
    assert message in str(caught.value)


def test_a_file_inside_a_root_is_a_valid_target(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    assert tmp_path.resolve() / "a.py" == confine("a.py", settings_for(tmp_path, tmp=tmp_path))


def test_settings_default_to_the_working_directory_and_reject_missing_roots(
    tmp_path: Path,
) -> None:
    assert (Path(os.path.realpath(Path.cwd())),) == ServerSettings.create(cache_dir=tmp_path).roots
    with pytest.raises(UsageError, match=r"--root .*missing: not an existing directory"):
        ServerSettings.create([tmp_path / "missing"], cache_dir=tmp_path)
    settings = ServerSettings.create([tmp_path, tmp_path], cache_dir=tmp_path)
    assert (tmp_path.resolve(),) == settings.roots


def test_a_bad_config_flag_fails_at_startup(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[project\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        ServerSettings.create([tmp_path], config_path=config, cache_dir=tmp_path)
    with pytest.raises(ConfigError, match="failed to read"):
        ServerSettings.create([tmp_path], config_path=tmp_path / "none.toml", cache_dir=tmp_path)


@pytest.mark.parametrize(
    ("environ", "platform", "expected"),
    [
        ({"CHAFFRA_CACHE_DIR": "/c", "HOME": "/h"}, "linux", "/c"),
        ({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "linux", "/x/chaffra"),
        ({"XDG_CACHE_HOME": "rel", "HOME": "/h"}, "linux", "/h/.cache/chaffra"),
        ({"HOME": "/h"}, "darwin", "/h/Library/Caches/chaffra"),
        ({"HOME": "/h", "LOCALAPPDATA": "/l"}, "win32", "/l/chaffra/Cache"),
        ({"HOME": "/h"}, "win32", "/h/AppData/Local/chaffra/Cache"),
    ],
)
def test_the_user_cache_directory_follows_the_platform(
    environ: dict[str, str], platform: str, expected: str
) -> None:
    assert Path(expected) == cache_home(environ, platform)


def test_the_cache_directory_defaults_to_the_real_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CHAFFRA_CACHE_DIR", raising=False)
    assert "chaffra" in str(cache_home()).lower()


SCHEMA = {
    "type": "object",
    "properties": {"limit": {"type": "integer", "minimum": 1}, "path": {"type": "string"}},
}


def test_arguments_are_checked_against_the_schema_and_unknown_ones_ignored() -> None:
    validator = ArgumentValidator(SCHEMA)
    assert {} == validator.validate(None)
    assert {"limit": 2, "audience": "on"} == validator.validate({"limit": 2, "audience": "on"})
    with pytest.raises(ToolError, match=r"^Invalid arguments: limit: True is not of type"):
        validator.validate({"limit": True})
    with pytest.raises(ToolError) as caught:
        validator.validate({"path": ["x" * 5000]})
    assert len(str(caught.value)) < 300


def test_an_invalid_schema_is_refused_when_the_tool_is_built() -> None:
    with pytest.raises(Exception, match="is not valid"):
        ArgumentValidator({"type": "nonsense"})


def _listing(count: int, size: int = 10) -> Listing:
    def describe(header: object, page: PageInfo) -> str:
        return f"{page.returned} of {page.total}"

    return Listing(
        header={"kind": "test"},
        key="items",
        items=tuple({"n": i, "pad": "x" * size} for i in range(count)),
        describe=describe,
    )


def test_a_page_is_cut_to_the_budget_but_always_advances() -> None:
    cache = PageCache()
    listing = _listing(50, size=400)
    listing_id = cache.store("t", listing)
    page = render_page(listing_id, listing, offset=0, limit=50, budget=1000)
    assert page.structured is not None
    returned = page.structured["page"]["returned"]
    assert 0 < returned < 50
    assert estimate_tokens(page.structured, page.summary) <= 1000
    too_big = render_page(listing_id, _listing(3, size=10_000), offset=0, limit=3, budget=10)
    assert too_big.structured is not None
    assert 1 == too_big.structured["page"]["returned"]


def test_cursors_name_their_tool_and_expire_with_their_listing() -> None:
    cache = PageCache(capacity=1)
    first = cache.store("t", _listing(3))
    assert (first, 2) == cache.resolve("t", _encode(first, 2))[::2]
    with pytest.raises(ToolError, match=r"^Invalid cursor: it pages a result of t, not of u"):
        cache.resolve("u", _encode(first, 0))
    with pytest.raises(ToolError, match=r"^Invalid cursor: offset 4 is past the end"):
        cache.resolve("t", _encode(first, 4))
    cache.store("t", _listing(1))
    with pytest.raises(ToolError, match=r"^Expired cursor"):
        cache.resolve("t", _encode(first, 0))


@given(st.text(max_size=300))
def test_any_cursor_text_is_either_valid_or_a_tool_error(cursor: str) -> None:
    with pytest.raises(ToolError, match=r"^(Invalid|Expired) cursor"):
        PageCache().resolve("t", cursor)


@pytest.mark.parametrize("cursor", [_encode("x", -1), "WzEsMl0", "W10", "!!!!", "a" * 201])
def test_malformed_cursors_are_invalid(cursor: str) -> None:
    with pytest.raises(ToolError, match=r"^Invalid cursor: pass back"):
        PageCache().resolve("t", cursor)


def test_tool_names_must_load_in_strict_clients_and_be_unique() -> None:
    def handler(*_: object) -> None:
        raise AssertionError

    def spec(name: str, aliases: tuple[str, ...] = ()) -> ToolSpec:
        return ToolSpec(
            name=name,
            title="t",
            description="d",
            input_schema={"type": "object", "properties": {}},
            output_schema={"type": "object"},
            handler=handler,  # type: ignore[arg-type]
            aliases=aliases,
        )

    with pytest.raises(ValueError, match="does not match"):
        spec("chaffra/health")
    registry = ToolRegistry((spec("a", ("x/a",)),))
    assert registry.lookup("x/a") is registry.lookup("a")
    assert 1 == len(registry)
    with pytest.raises(ValueError, match="already registered: x/a"):
        registry.register(spec("b", ("x/a",)))


def test_the_dispatcher_survives_a_tool_that_crashes(tmp_path: Path) -> None:
    import io

    from chaffra_core import ModuleHost
    from chaffra_mcp._context import ToolContext
    from chaffra_mcp._dispatch import Dispatcher

    def boom(*_: object) -> None:
        raise KeyError("bug")

    crashing = ToolSpec(
        name="crash",
        title="t",
        description="d",
        input_schema={"type": "object", "properties": {}},
        output_schema={"type": "object"},
        handler=boom,  # type: ignore[arg-type]
    )
    stderr = io.StringIO()
    context = ToolContext(settings_for(tmp_path, tmp=tmp_path), host=ModuleHost(), stderr=stderr)
    outcome = Dispatcher(ToolRegistry((crashing,)), context).call("crash", {})
    assert outcome.is_error
    assert "Internal error: KeyError: 'bug'" == outcome.summary
    assert "Traceback" in stderr.getvalue()


def test_the_dispatcher_refuses_an_unknown_tool(tmp_path: Path) -> None:
    from chaffra_core import ModuleHost
    from chaffra_mcp._context import ToolContext
    from chaffra_mcp._dispatch import Dispatcher, UnknownTool

    context = ToolContext(settings_for(tmp_path, tmp=tmp_path), host=ModuleHost())
    with pytest.raises(UnknownTool, match=r"^Unknown tool: nope$"):
        Dispatcher(ToolRegistry(), context).call("nope", {})


def test_the_run_memory_keeps_the_most_recent_targets(tmp_path: Path) -> None:
    from chaffra_core import RunResult
    from chaffra_mcp._memory import RunMemory

    memory = RunMemory(capacity=2)
    for name in ("a", "b", "c"):
        result = RunResult(
            root=tmp_path, command="x", modules=("m",), findings=(), health=None,
            files_analyzed=0, duration_ms=0,
        )  # fmt: skip
        memory.remember(tmp_path / name, result, 1)
    assert None is memory.recall(tmp_path / "a", "m")
    assert memory.recall(tmp_path / "c", "m") is not None
