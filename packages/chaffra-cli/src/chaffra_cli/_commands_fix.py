"""``chaffra fix --dead-code``: apply the dead-code module's safe fixes, or show them."""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
from pathlib import Path

import click

from chaffra_cli._commands_analysis import resolve_config
from chaffra_cli._errors import EXIT_FAILURE
from chaffra_cli._options import SETTINGS_OPTIONS, GlobalOptions, pass_globals

__all__ = ["fix"]

_MODULE = "dead-code"
_FIXABLE = frozenset({"dead-code:unused-import", "dead-code:unreachable-code"})


@click.command("fix", short_help="Remove unused imports (and unreachable code) safely.")
@click.argument("path", type=click.Path(exists=True, path_type=Path), default=".", required=False)
@click.option(
    "--dead-code",
    "dead_code",
    is_flag=True,
    required=True,
    help="Fix dead-code findings (the only fixer so far; required).",
)
@click.option("--diff", is_flag=True, help="Print a unified diff instead of writing the files.")
@click.option(
    "--unreachable",
    is_flag=True,
    help="Also remove statements after a return, raise, break or continue.",
)
@pass_globals(accepts=SETTINGS_OPTIONS)
def fix(options: GlobalOptions, path: Path, dead_code: bool, diff: bool, unreachable: bool) -> None:
    """Remove the unused imports of the project at PATH, keeping each file's layout.

    Multi-name and parenthesised imports lose only the unused names; lines
    with `# noqa`, `__future__`, side-effect imports and imports that may be
    availability checks (try/except ImportError) are left alone;
    `# chaffra: ignore[...]` suppressions are honoured. The whole project is
    analysed (liveness is project-wide); the fixed files must parse and the
    fixed project must have no finding the original did not have, or nothing
    is written (exit 1).
    """
    from chaffra_core import ProjectContext, run_analysis
    from chaffra_core.analyzers.dead_code import DeadCodeModule, fix_findings, new_findings

    config = resolve_config(options, path)
    result = run_analysis(config, command="fix", modules=(_MODULE,), churn=False, stderr=sys.stderr)
    root = result.root
    refusals: dict[str, str | None] = {}
    for finding in result.findings:
        relative = finding.location.file
        if finding.rule_id in _FIXABLE and relative not in refusals:
            refusals[relative] = _unsafe(root, root / relative)
            if refusals[relative] is not None and not options.quiet:
                click.echo(f"Notice: not fixing {relative}: {refusals[relative]}", err=True)
    fixes = fix_findings(
        [f for f in result.findings if refusals.get(f.location.file, "") is None],
        lambda relative: (root / relative).read_text(encoding="utf-8"),
        unreachable=unreachable,
    )
    project = ProjectContext(root=root, target=config.target, entry=config.project.project.entry)
    added = new_findings(
        DeadCodeModule(),
        result.files,
        {p: f.text for p, f in fixes.items()},
        config=config.modules.get(_MODULE, {}),
        project=project,
        before=result.findings,
    )
    if added:
        for finding in added:
            click.echo(
                f"Error: the fix would add {finding.location.file}:{finding.location.start_line}:"
                f" {finding.message} ({finding.rule_id}); nothing written",
                err=True,
            )
        raise click.exceptions.Exit(EXIT_FAILURE)
    count = sum(len(f.fixed) for f in fixes.values())
    for relative, file_fix in fixes.items():
        original = (root / relative).read_text(encoding="utf-8")
        if diff:
            click.echo(
                "".join(
                    difflib.unified_diff(
                        original.splitlines(keepends=True),
                        file_fix.text.splitlines(keepends=True),
                        fromfile=f"a/{relative}",
                        tofile=f"b/{relative}",
                    )
                ),
                nl=False,
            )
        else:
            _replace(root / relative, file_fix.text)
    if not options.quiet:
        verb = "would fix" if diff else "fixed"
        click.echo(f"{verb} {count} finding(s) in {len(fixes)} file(s)", err=True)


def _unsafe(root: Path, path: Path) -> str | None:
    """Why ``path`` must not be rewritten (a link, or outside the project), or ``None``."""
    if path.is_symlink() or not path.is_file():
        return "not a regular file (a symbolic link is never rewritten)"
    if not path.resolve().is_relative_to(root.resolve()):
        return "outside the project"
    return None


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, keeping its permissions."""
    mode = path.stat().st_mode
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
