"""Inline suppressions: the scanner, matching, and stale detection by the host."""

from __future__ import annotations

from chaffra_core._findings import (
    Finding,
    Location,
    ModuleInfo,
    Rule,
    Severity,
    TextEdit,
)
from chaffra_core._suppressions import (
    STALE_SUPPRESSION,
    Suppression,
    apply_suppressions,
    physical_lines,
    scan_suppressions,
)

_File = tuple[str, tuple[Suppression, ...]]


def _file(text: str, path: str = "a.py") -> _File:
    return path, scan_suppressions(text)


def _finding(rule_id: str, line: int, path: str = "a.py") -> Finding:
    return Finding(
        rule_id=rule_id,
        message=f"{rule_id} at {line}",
        severity=Severity.WARNING,
        location=Location(file=path, start_line=line, end_line=line),
    )


def _module(module_id: str, *rules: str) -> ModuleInfo:
    return ModuleInfo(
        id=module_id,
        name=module_id,
        version="0.1.0",
        languages=("python",),
        capabilities=("analyze",),
        rules=tuple(
            Rule(
                id=f"{module_id}:{rule}",
                name=rule,
                description="",
                default_severity=Severity.WARNING,
                category=module_id,
            )
            for rule in rules
        ),
    )


_MODULES = (
    _module("dead-code", "unused-function", "unused-import"),
    _module("complexity", "high-cyclomatic"),
)


def _apply(
    findings: list[Finding], *files: _File, all_modules_ran: bool = True
) -> tuple[list[Finding], list[Finding]]:
    return apply_suppressions(
        findings, dict(files), modules=_MODULES, all_modules_ran=all_modules_ran
    )


def test_markers_inside_strings_are_not_suppressions() -> None:
    text = (
        "a = '# chaffra: ignore[x]'\n"
        'b = """\n'
        "# chaffra: ignore[y]\n"
        '"""  # chaffra: ignore[z]\n'
        "c = 1  // chaffra: ignore[w]\n"
    )

    assert [(4, ("z",))] == [(s.line, s.rules) for s in scan_suppressions(text)]


def test_a_file_without_the_marker_has_no_suppressions() -> None:
    assert () == scan_suppressions("x = 1  # noqa\n")


def test_rule_lists_are_trimmed_deduplicated_and_may_be_qualified() -> None:
    [suppression] = scan_suppressions("x = 1  # chaffra: ignore[a,  dead-code:b , a,]\n")

    assert ("a", "dead-code:b") == suppression.rules
    assert "chaffra: ignore[a,  dead-code:b , a,]" == suppression.marker


def test_an_empty_list_or_a_star_means_every_rule() -> None:
    texts = ["x  # chaffra: ignore\n", "x  # chaffra:ignore[]\n", "x  # chaffra: ignore[*]\n"]

    assert [()] * 3 == [scan_suppressions(text)[0].rules for text in texts]


def test_the_bracketless_form_ends_its_list_before_a_free_text_reason() -> None:
    text = (
        "# chaffra:ignore unused-function, unused-type -- legacy code\n"
        "# chaffra: ignore -- kept for the plugin API\n"
        "# chaffra: ignored is not a marker\n"
    )

    assert [("unused-function", "unused-type"), ()] == [s.rules for s in scan_suppressions(text)]


def test_a_trailing_comment_covers_its_line_and_a_comment_alone_also_the_next() -> None:
    trailing, alone = scan_suppressions("x = 1  # chaffra: ignore[a]\n# chaffra: ignore[b]\ny\n")

    assert (frozenset({1}), frozenset({2, 3})) == (trailing.lines, alone.lines)


def test_ignore_file_counts_only_in_the_leading_comment_block() -> None:
    text = (
        "#!/usr/bin/env python\n"
        "# Copyright\n"
        "\n"
        "# chaffra: ignore-file[complexity]\n"
        '"""Docstring."""\n'
        "# chaffra: ignore-file[dead-code]\n"
    )

    header, late = scan_suppressions(text)

    assert (True, False) == (header.file_level, late.file_level)
    assert frozenset() == late.lines


def test_a_file_that_does_not_tokenize_keeps_the_suppressions_before_the_error() -> None:
    text = "def f(:\n    # chaffra: ignore[a]\n    x = (\n"

    assert [2] == [s.line for s in scan_suppressions(text)]


def test_lines_are_counted_like_the_tokenizer_not_like_splitlines() -> None:
    assert ["a\x0cb\n", "c\r\n", "d"] == physical_lines("a\x0cb\nc\r\nd")


def test_suppressed_findings_are_removed_and_the_others_kept_in_order() -> None:
    source = _file(
        "import os  # chaffra: ignore[unused-import]\n"
        "# chaffra: ignore[dead-code:unused-function, complexity:high-cyclomatic]\n"
        "def _f(): pass\n"
        "def _g(): pass\n"
    )
    findings = [
        _finding("dead-code:unused-import", 1),
        _finding("dead-code:unused-function", 3),
        _finding("complexity:high-cyclomatic", 3),
        _finding("dead-code:unused-function", 4),
        _finding("security:xss", 3),
        _finding("dead-code:unused-import", 1, path="other.py"),
    ]

    kept, stale = _apply(findings, source)

    assert [findings[3], findings[4], findings[5]] == kept
    assert [] == stale


def test_a_qualified_rule_does_not_suppress_the_same_rule_name_of_another_module() -> None:
    source = _file("x = 1  # chaffra: ignore[autofix:unused-import]\n")
    finding = _finding("dead-code:unused-import", 1)

    kept, _ = _apply([finding], source)

    assert [finding] == kept


def test_a_qualified_rule_suppresses_a_finding_carrying_a_bare_rule_id() -> None:
    source = _file("x = 1  # chaffra: ignore[dead-code:unused-import]\n")

    assert ([], []) == _apply([_finding("unused-import", 1)], source)


def test_ignore_file_suppresses_its_rules_anywhere_in_the_file() -> None:
    source = _file("# chaffra: ignore-file[high-cyclomatic]\n\n\ndef f(): pass\n")
    findings = [_finding("complexity:high-cyclomatic", 4), _finding("dead-code:unused-import", 4)]

    kept, stale = _apply(findings, source)

    assert ([findings[1]], []) == (kept, stale)


def test_a_suppression_that_matches_nothing_is_stale_with_an_edit_removing_it() -> None:
    source = _file("x = 1  # noqa: E501  # chaffra: ignore[unused-import]\r\n")

    kept, [stale] = _apply([], source)

    assert [] == kept
    assert (STALE_SUPPRESSION, Severity.INFO) == (stale.rule_id, stale.severity)
    assert "suppression `unused-import` matches no finding" == stale.message
    assert Location(file="a.py", start_line=1, end_line=1, start_column=21, end_column=53) == (
        stale.location
    )
    assert (
        TextEdit(file="a.py", start_line=1, end_line=1, new_text="x = 1  # noqa: E501\r\n"),
    ) == stale.actions[0].edits
    assert stale.anchor


def test_a_stale_comment_alone_on_its_line_is_removed_with_its_line() -> None:
    source = _file("# chaffra: ignore[dead-code:unused-function]\ndef main(): pass\n")

    _, [stale] = _apply([], source)

    assert "" == stale.actions[0].edits[0].new_text


def test_only_the_unused_rules_of_a_partly_used_suppression_are_stale_without_an_edit() -> None:
    source = _file("def _f(): pass  # chaffra: ignore[unused-function, high-cyclomatic]\n")

    kept, [stale] = _apply([_finding("dead-code:unused-function", 1)], source)

    assert [] == kept
    assert "suppression `high-cyclomatic` matches no finding" == stale.message
    assert () == stale.actions


def test_suppressions_for_modules_that_did_not_run_are_never_stale() -> None:
    source = _file(
        "a = 1  # chaffra: ignore[security:hardcoded-secret]\n"
        "b = 2  # chaffra: ignore[hardcoded-secret]\n"
        "c = 3  # chaffra: ignore[dead-code:no-such-rule]\n"
    )

    _, stale = _apply([], source)

    assert ["suppression `dead-code:no-such-rule` matches no finding"] == [
        finding.message for finding in stale
    ]


def test_all_rules_suppressions_are_judged_only_when_every_module_ran() -> None:
    source = _file("x = 1  # chaffra: ignore\n# chaffra: ignore-file\n")

    _, partial = _apply([], source, all_modules_ran=False)
    _, complete = _apply([], source, all_modules_ran=True)

    assert [] == partial
    assert [
        "suppression `chaffra: ignore` matches no finding",
        "suppression `chaffra: ignore-file` matches no finding",
    ] == [finding.message for finding in complete]


def test_an_all_rules_suppression_that_matched_is_not_stale() -> None:
    source = _file("x = 1  # chaffra: ignore\n")

    assert ([], []) == _apply([_finding("security:xss", 1)], source)


def test_a_misplaced_ignore_file_suppresses_nothing_and_is_stale() -> None:
    source = _file('"""Doc."""\n# chaffra: ignore-file[unused-import]\nimport os\n')
    finding = _finding("dead-code:unused-import", 3)

    kept, [stale] = _apply([finding], source)

    assert [finding] == kept
    assert 2 == stale.location.start_line


def test_a_suppression_keeps_its_physical_line_so_a_stale_one_is_removed_without_the_text() -> None:
    [suppression] = scan_suppressions("a = 1\nb = 2  # chaffra: ignore[x]\r\nc = 3\n")

    assert "b = 2  # chaffra: ignore[x]\r\n" == suppression.source


def test_findings_of_files_without_suppressions_are_kept() -> None:
    finding = _finding("dead-code:unused-import", 1, path="b.py")

    assert ([finding], []) == _apply([finding], _file("x = 1\n"), ("b.py", ()))
