"""The server through the SDK's own in-memory client, in both protocol generations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp import types
from mcp.shared.exceptions import MCPError

from chaffra_mcp import TOOL_NAME_PATTERN, __version__

pytestmark = pytest.mark.anyio

MODES = ("legacy", "2026-07-28")  # the initialize handshake and the stateless generation
ALWAYS = ["chaffra_health", "chaffra_complexity", "chaffra_explain", "chaffra_telemetry"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("mode", MODES)
async def test_the_tools_are_listed_with_strict_names_and_valid_schemas(
    mode: str, make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    async with client_for(make_project(), mode=mode) as client:
        tools = (await client.list_tools()).tools
    assert [*ALWAYS, "chaffra_changes"] == [tool.name for tool in tools]
    for tool in tools:
        assert TOOL_NAME_PATTERN.fullmatch(tool.name)
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        assert tool.output_schema is not None
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert "object" == tool.output_schema["type"]
        assert "$ref" not in json.dumps(tool.output_schema)


async def test_the_server_identifies_itself_on_the_handshake(
    make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    async with client_for(make_project()) as client:
        assert "2025-11-25" == client.protocol_version
        assert client.server_info is not None
        assert ("chaffra", __version__) == (client.server_info.name, client.server_info.version)
        assert client.server_capabilities.tools is not None


async def test_an_analysis_module_in_the_host_adds_its_tool_through_the_generic_adapter(
    make_project: Callable[..., Path],
    client_for: Callable[..., Any],
    host_with: Callable[..., Any],
    dead_code_double: Any,
) -> None:
    root = make_project({"app.py": "def unused_helper():\n    return 1\n\ndef used():\n    pass\n"})
    async with client_for(root, host=host_with(dead_code_double())) as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        result = await client.call_tool("chaffra_dead_code", {})
        aliased = await client.call_tool("chaffra/dead-code", {})
    assert "chaffra_dead_code" in names
    assert "chaffra_security" not in names
    assert not result.is_error
    findings = result.structured_content["findings"]
    assert ["dead-code:unused-function"] == [f["rule_id"] for f in findings]
    assert "app.py" == findings[0]["location"]["file"]
    assert result.structured_content["findings"] == aliased.structured_content["findings"]


@pytest.mark.parametrize("mode", MODES)
async def test_every_tool_answers_with_structured_content_and_a_short_summary(
    mode: str, make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("chaffra_health", {}),
        ("chaffra_complexity", {}),
        ("chaffra_explain", {"rule_id": "complexity:high-cyclomatic"}),
        ("chaffra_telemetry", {"action": "snapshot"}),
        ("chaffra_changes", {}),
    ]
    async with client_for(make_project(), mode=mode) as client:
        for name, arguments in calls:
            result = await client.call_tool(name, arguments)
            assert not result.is_error, (name, result.content)
            assert isinstance(result.structured_content, dict)
            [text] = result.content
            assert isinstance(text, types.TextContent)
            assert len(text.text) < 300, text.text
            assert json.dumps(result.structured_content) not in text.text


async def test_complexity_reports_the_tangled_function_first(
    make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    async with client_for(make_project()) as client:
        result = await client.call_tool("chaffra_complexity", {"path": "pkg"})
    content = result.structured_content
    assert {"error": 0, "warning": 3, "info": 0, "total": 3} == content["summary"]["findings"]
    rules = [finding["rule_id"] for finding in content["findings"]]
    # Ranked by how far past the threshold: cyclomatic 23 > 10 before cognitive 27 > 15.
    assert [
        "complexity:high-cyclomatic",
        "complexity:high-cognitive",
        "complexity:low-health-score",
    ] == rules
    # Without a config file the target directory is the project root.
    assert {"tangled.py"} == {f["location"]["file"] for f in content["findings"]}
    assert "3 findings (0 errors, 3 warnings, 0 info) in 1 files; items 1-3" in (
        result.content[0].text
    )


async def test_health_lists_the_worst_file_first(
    make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    async with client_for(make_project()) as client:
        result = await client.call_tool("chaffra/health", {})
    content = result.structured_content
    assert 2 == content["total_files"]
    assert ["pkg/tangled.py", "simple.py"] == [f["file"] for f in content["files"]]
    assert content["files"][0]["score"] < content["files"][1]["score"]
    assert result.content[0].text.startswith(f"Health {content['score']} ({content['grade']})")


async def test_a_cursor_pages_through_the_same_result(
    make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    files = {f"m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(5)}
    async with client_for(make_project(files)) as client:
        first = await client.call_tool("chaffra_health", {"limit": 2})
        cursor = first.structured_content["page"]["next_cursor"]
        second = await client.call_tool("chaffra_health", {"limit": 2, "cursor": cursor})
        last = await client.call_tool(
            "chaffra_health", {"cursor": second.structured_content["page"]["next_cursor"]}
        )
    pages = [first, second, last]
    seen = [f["file"] for page in pages for f in page.structured_content["files"]]
    assert sorted(files) == sorted(seen)
    assert [0, 2, 4] == [p.structured_content["page"]["offset"] for p in pages]
    assert None is last.structured_content["page"]["next_cursor"]


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("chaffra_health", {"path": "missing"}, "Invalid path: missing: no such file"),
        ("chaffra_health", {"path": "/"}, "Invalid path: / is outside the server's roots"),
        ("chaffra_complexity", {"limit": 0}, "Invalid arguments: limit: 0 is less than"),
        ("chaffra_complexity", {"path": 3}, "Invalid arguments: path: 3 is not of type"),
        ("chaffra_explain", {}, "Invalid arguments: arguments: 'rule_id' is a required"),
        ("chaffra_explain", {"rule_id": "nope:rule"}, "Rule not found: module not found: nope"),
        ("chaffra_explain", {"rule_id": "complexity:nope"}, "Rule not found: rule not found"),
        ("chaffra_telemetry", {"action": "delete"}, "Invalid arguments: action: 'delete' is not"),
        ("chaffra_health", {"cursor": "garbage"}, "Invalid cursor"),
    ],
)
async def test_a_failing_call_is_an_error_result_naming_the_problem(
    name: str,
    arguments: dict[str, Any],
    message: str,
    make_project: Callable[..., Path],
    client_for: Callable[..., Any],
) -> None:
    async with client_for(make_project()) as client:
        result = await client.call_tool(name, arguments)
        after = await client.call_tool("chaffra_explain", {"rule_id": "high-cognitive"})
    assert result.is_error
    assert result.structured_content is None
    assert result.content[0].text.startswith(message), result.content[0].text
    assert not after.is_error


async def test_an_invalid_project_config_fails_closed(
    make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    root = make_project(
        {"a.py": SIMPLE_TEXT, ".chaffra.toml": "[modules.telemetry]\naudience = 7\n"}
    )
    async with client_for(root) as client:
        for name in (
            "chaffra_health",
            "chaffra_complexity",
            "chaffra_telemetry",
            "chaffra_changes",
        ):
            result = await client.call_tool(name, {})
            assert result.is_error
            assert result.content[0].text.startswith("Invalid configuration: "), name
            assert "audience" in result.content[0].text
    assert not (root / ".chaffra").exists()


SIMPLE_TEXT = "def f():\n    return 1\n"


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_tool_is_a_protocol_error(
    mode: str, make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    async with client_for(make_project(), mode=mode) as client:
        with pytest.raises(MCPError, match="Unknown tool: chaffra_nope"):
            await client.call_tool("chaffra_nope", {})


async def test_a_failing_module_is_an_analysis_error_and_the_server_serves_on(
    make_project: Callable[..., Path],
    client_for: Callable[..., Any],
    host_with: Callable[..., Any],
    dead_code_double: Any,
) -> None:
    host = host_with(dead_code_double(fail=True))
    async with client_for(make_project(), host=host) as client:
        failed = await client.call_tool("chaffra_dead_code", {})
        fine = await client.call_tool("chaffra_complexity", {})
    assert failed.is_error
    assert failed.content[0].text.startswith("Analysis error: module `dead-code` failed: ")
    assert "RuntimeError: double failed on purpose" in failed.content[0].text
    assert not fine.is_error


async def test_clients_of_revisions_without_structured_output_get_the_json_in_the_text(
    make_project: Callable[..., Path], client_for: Callable[..., Any]
) -> None:
    from chaffra_mcp._registry import ToolOutcome
    from chaffra_mcp._server import _result

    outcome = ToolOutcome(summary="Short.", structured={"a": 1})
    old = _result(outcome, "2025-03-26")
    new = _result(outcome, "2025-06-18")
    assert 'Short.\n{"a":1}' == old.content[0].text  # type: ignore[union-attr]
    assert "Short." == new.content[0].text  # type: ignore[union-attr]
    assert {"a": 1} == new.structured_content
