"""Analysis commands: ``health`` and ``complexity``, thin adapters over ``run_analysis``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from chaffra_cli._analysis_options import AnalysisChoices, analysis_options
from chaffra_cli._errors import EXIT_FAILURE, CommandFailed
from chaffra_cli._listing import (
    LISTING_FORMATS,
    RANKS,
    SORT_KEYS,
    function_rows,
    render_listing,
)
from chaffra_cli._options import ANALYSIS_OPTIONS, GlobalOptions, pass_globals
from chaffra_cli._progress import progress_reporter
from chaffra_cli._version import VERSION

if TYPE_CHECKING:
    from chaffra_core import (
        Baseline,
        BaselineComparison,
        CliOverrides,
        EffectiveConfig,
        ModuleHost,
        ProjectHealth,
        RuleExplanation,
        RunResult,
        RunSettings,
    )
    from chaffra_core.output import OutputContext

__all__ = ["baseline", "cli_overrides", "complexity", "fails", "health", "resolve_config"]

_PATH = click.argument(
    "path",
    type=click.Path(exists=True, path_type=Path),
    default=".",
    required=False,
)


def resolve_config(
    options: GlobalOptions, path: Path, choices: AnalysisChoices | None = None
) -> EffectiveConfig:
    """The effective configuration for ``path`` under ``options``; prints its warnings.

    Raises:
        chaffra_core.ConfigError: the configuration file is unreadable or invalid.
    """
    from chaffra_core import resolve_effective_config

    config = resolve_effective_config(path, options.config, cli_overrides(options, choices))
    if not options.quiet:
        for warning in config.warnings:
            click.echo(f"Warning: {warning}", err=True)
    return config


def cli_overrides(options: GlobalOptions, choices: AnalysisChoices | None = None) -> CliOverrides:
    """The command-line flags that configure a run, as ``resolve_effective_config`` takes them."""
    from chaffra_core import CliOverrides

    chosen = choices if choices is not None else AnalysisChoices()
    flags = options.overrides()
    return CliOverrides(
        telemetry=flags["telemetry"],
        telemetry_backend=flags["telemetry_backend"],
        telemetry_endpoint=flags["telemetry_endpoint"],
        select=chosen.select,
        ignore=chosen.ignore,
        exclude=chosen.exclude,
    )


def fails(result: RunResult, fail_on: str) -> bool:
    """Whether ``result`` has a finding at or above ``fail_on`` (``never``: never)."""
    from chaffra_core import Severity

    if fail_on == "never":
        return False
    worst = result.worst()
    return worst is not None and worst.rank >= Severity.parse(fail_on).rank


@attrs.frozen(kw_only=True)
class _Narrowing:
    """What the report keeps: findings not in ``baseline``, in files changed since a ref."""

    baseline: Path | None = None
    changed_since: str | None = None


def _report_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``--baseline FILE`` and ``--changed-since GIT_REF``."""
    function = click.option(
        "--changed-since",
        metavar="GIT_REF",
        default=None,
        help="Report only findings in files changed since GIT_REF (committed or not); "
        "the analysis still reads the whole project.",
    )(function)
    return click.option(
        "--baseline",
        "baseline_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Report and gate only findings not in this baseline file (`chaffra baseline`).",
    )(function)


def _analyse(
    options: GlobalOptions,
    path: Path,
    choices: AnalysisChoices,
    *,
    command: str,
    modules: Sequence[str] | None,
    churn: bool,
    narrowing: _Narrowing,
    listing: _ListingRequest | None = None,
    module_flags: Mapping[str, Mapping[str, object]] | None = None,
) -> RunResult:
    """Run the analysis, write the report, and exit 1 when the run failed or gates failed.

    The whole configuration is checked against the modules before any file is
    read; a module that failed makes the run fail (its error on stderr).
    """
    from chaffra_core import ModuleHost, run_analysis, validate_run_config
    from chaffra_core.output import (
        OutputContext,
        OutputFormat,
        render,
        repository_root,
        should_color,
    )

    config = resolve_config(options, path, choices)
    if module_flags:  # a command's own flags win over the project's [modules.<id>] tables
        known = config.project.modules
        tables = {k: {**known.get(k, {}), **v} for k, v in module_flags.items()}
        project = attrs.evolve(config.project, modules={**known, **tables})
        config = attrs.evolve(config, project=project, modules={**config.modules, **tables})
    host = ModuleHost.default()
    settings = validate_run_config(config, list(host), host.infos())
    baseline = _read_baseline(narrowing.baseline) if narrowing.baseline is not None else None
    changed = (
        _changed_files(config.project_root, narrowing.changed_since)
        if narrowing.changed_since is not None
        else None
    )
    show_progress = not (options.quiet or options.no_progress)
    with progress_reporter(enabled=show_progress) as progress:
        result = run_analysis(
            config,
            command=command,
            modules=modules,
            host=host,
            progress=progress,
            churn=churn,
            stderr=sys.stderr,
        )
    if not options.quiet:
        for skipped in result.skipped:
            click.echo(f"Notice: skipped {skipped.path}: {skipped.reason}", err=True)
    fmt = OutputFormat(options.output_format)
    reported, comparison = _narrow(result, baseline, changed)
    if not options.quiet:
        _notice_narrowing(result, reported, comparison, changed)
    context = OutputContext(
        cwd=Path(os.path.abspath(os.getcwd())),
        target=config.target,
        repo_root=repository_root(config.target) or config.project_root,
        rules=_rule_explanations(host) if fmt is OutputFormat.SARIF else {},
        comparison=comparison,
    )
    color = (
        choices.output_file is None
        and fmt is OutputFormat.TERMINAL
        and should_color(sys.stdout, os.environ)
    )
    if result.files_analyzed == 0 and fmt is OutputFormat.TERMINAL:
        text = f"No Python files found in {path}.\n"
    else:
        if result.files_analyzed == 0 and not options.quiet:
            click.echo(f"No Python files found in {path}.", err=True)
        text = render(reported, fmt, color=color, tool_version=VERSION, context=context)
    if listing is not None:
        text = _listing_text(listing, result=result, context=context, fmt=fmt.value, report=text)
    _write(text, choices.output_file, color=color)
    for module_id, message in result.module_errors:
        click.echo(f"Error: module {module_id} failed: {message}", err=True)
    if result.module_errors or fails(reported, options.fail_on):
        raise click.exceptions.Exit(EXIT_FAILURE)
    if result.health is not None and command == "health":
        _gate_health(result.health, settings)
    return result


def _read_baseline(path: Path) -> Baseline:
    from chaffra_core import Baseline

    return Baseline.read(path)


def _changed_files(root: Path, ref: str) -> frozenset[str]:
    from chaffra_core import changed_files  # runs git: loads subprocess

    return changed_files(root, ref)


def _rule_explanations(host: ModuleHost) -> dict[str, RuleExplanation]:
    from chaffra_core import rule_explanations

    return rule_explanations(host)


def _gate_health(health: ProjectHealth, settings: RunSettings) -> None:
    """Exit 1 below min-score; a project that is not graded fails only an explicit min-score."""
    min_score = settings.setting("complexity", "min-score")
    if not isinstance(min_score, int):  # pragma: no cover - the schema makes it an integer
        return
    if health.score is None:
        if "min-score" in settings.modules.get("complexity", {}):
            click.echo(
                f"Project not graded (no source lines): min-score {min_score} is set.", err=True
            )
            raise click.exceptions.Exit(EXIT_FAILURE)
        return
    if health.score < min_score:
        click.echo(f"Health score {health.score:g} is below min-score {min_score}.", err=True)
        raise click.exceptions.Exit(EXIT_FAILURE)


def _write(report: str, output_file: Path | None, *, color: bool) -> None:
    if output_file is None:
        click.echo(report, nl=False, color=color)
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(report, encoding="utf-8")


def _narrow(
    result: RunResult, baseline: Baseline | None, changed: frozenset[str] | None
) -> tuple[RunResult, BaselineComparison | None]:
    """``result`` with only the findings to report, and the baseline comparison if any.

    Baseline entries of modules this run did not run are neither resolved nor new.
    """
    from chaffra_core import split_rule_id

    comparison = baseline.compare(result.findings) if baseline is not None else None
    if comparison is not None:
        ran = {*result.modules, "core", "parse"}
        comparison = attrs.evolve(
            comparison,
            resolved=tuple(e for e in comparison.resolved if split_rule_id(e.rule_id)[0] in ran),
        )
    findings = comparison.new if comparison is not None else result.findings
    if changed is not None:
        findings = tuple(f for f in findings if f.location.file in changed)
        if comparison is not None:
            comparison = attrs.evolve(
                comparison,
                new=findings,
                resolved=tuple(e for e in comparison.resolved if e.file in changed),
            )
    return attrs.evolve(result, findings=findings), comparison


def _notice_narrowing(
    result: RunResult,
    reported: RunResult,
    comparison: BaselineComparison | None,
    changed: frozenset[str] | None,
) -> None:
    hidden = len(result.findings) - len(reported.findings)
    if comparison is not None:
        click.echo(
            f"Baseline: {len(comparison.known)} known finding(s) not reported, "
            f"{len(comparison.resolved)} resolved.",
            err=True,
        )
    elif changed is not None and hidden:
        click.echo(f"{hidden} finding(s) in unchanged files not reported.", err=True)


@attrs.frozen(kw_only=True)
class _ListingRequest:
    sort: str
    top: int | None
    min_rank: str


def _listing_text(
    listing: _ListingRequest,
    *,
    result: RunResult,
    context: OutputContext,
    fmt: str,
    report: str,
) -> str:
    from chaffra_core.output import display_path

    functions = (
        (display_path(result.root, path, context.cwd), f) for path, f in result.functions()
    )
    rows = function_rows(functions, sort=listing.sort, top=listing.top, min_rank=listing.min_rank)
    return render_listing(rows, fmt, report)


@click.command(short_help="Health score and grade of a project.")
@_PATH
@analysis_options
@click.option(
    "--module",
    "module_ids",
    multiple=True,
    metavar="ID",
    help="Run only this module (repeatable; see `chaffra modules`). Default: every module.",
)
@_report_options
@pass_globals
def health(
    options: GlobalOptions,
    path: Path,
    module_ids: tuple[str, ...],
    baseline_file: Path | None,
    changed_since: str | None,
    **values: object,
) -> None:
    """Health score (A-F) of the Python project at PATH (default: .).

    Runs every installed module (built-in or plugin; --module ID for some of
    them), scores every file from its complexity, size and nesting, and lists
    the worst files. Exits 1 when the score is below min-score ([health] or
    [modules.complexity], default 70). Health is a score, not a list of
    findings, so it does not take part in finding churn. Unless --telemetry
    off, the run's telemetry snapshot is stored in
    <project>/.chaffra/telemetry.db (see `chaffra management`).
    """
    choices = AnalysisChoices.pop_from(dict(values))
    narrowing = _Narrowing(baseline=baseline_file, changed_since=changed_since)
    _analyse(
        options,
        path,
        choices,
        command="health",
        modules=module_ids or None,
        churn=False,
        narrowing=narrowing,
    )


@click.command(short_help="Functions above the complexity thresholds, or all of them.")
@_PATH
@click.option(
    "--all",
    "list_all",
    is_flag=True,
    help="List every function and method with cyclomatic, cognitive, nesting, lines and rank.",
)
@click.option(
    "--sort",
    type=click.Choice(tuple(SORT_KEYS), case_sensitive=False),
    default=None,
    help="Order of --all (default: file).",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Only the first N of --all.",
)
@click.option(
    "--min",
    "min_rank",
    type=click.Choice(RANKS, case_sensitive=False),
    default=None,
    help="Only functions of this radon rank or worse (A 1-5 ... F 41+) in --all.",
)
@_report_options
@analysis_options
@pass_globals
def complexity(
    options: GlobalOptions,
    *,
    path: Path,
    list_all: bool,
    sort: str | None,
    top: int | None,
    min_rank: str | None,
    baseline_file: Path | None,
    changed_since: str | None,
    **values: object,
) -> None:
    """Cyclomatic and cognitive complexity findings for the project at PATH (default: .).

    Reports functions above the thresholds of [health] / [modules.complexity]; finding
    churn (new, resolved, unchanged since the last `complexity` run) is
    recorded in telemetry unless --telemetry off. With --all, lists every
    function and method instead, like `radon cc -s` (JSON: the report plus
    `functions`).
    """
    ctx = click.get_current_context()
    listing = None
    if list_all:
        if options.output_format not in LISTING_FORMATS:
            raise click.UsageError(
                f"--all writes {', '.join(LISTING_FORMATS)}, not {options.output_format}", ctx
            )
        listing = _ListingRequest(
            sort=(sort or "file").lower(), top=top, min_rank=(min_rank or "A").upper()
        )
    else:
        flags = (("--sort", sort), ("--top", top), ("--min", min_rank))
        given = [flag for flag, value in flags if value is not None]
        if given:
            raise click.UsageError(f"{', '.join(given)}: only with --all", ctx)
    narrowing = _Narrowing(baseline=baseline_file, changed_since=changed_since)
    _analyse(
        options,
        path,
        AnalysisChoices.pop_from(dict(values)),
        command="complexity",
        modules=("complexity",),
        churn=True,
        narrowing=narrowing,
        listing=listing,
    )


@click.command(short_help="Write a baseline of the current findings.")
@_PATH
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Baseline file to write (default: <project>/.chaffra-baseline.json).",
)
@pass_globals(accepts=ANALYSIS_OPTIONS - {"output_format", "fail_on"})
def baseline(options: GlobalOptions, path: Path, output: Path | None) -> None:
    """Write the findings of PATH (default: .) to a baseline file to commit.

    Later runs with --baseline FILE report and gate only findings not in it;
    entries are sorted, one per line, so branches merge cleanly. Findings are
    matched by rule, file and enclosing symbol, not by line, so edits above a
    finding or a new parameter keep it known.
    """
    from chaffra_core import BASELINE_FILE_NAME, Baseline, run_analysis

    config = resolve_config(options, path)
    show_progress = not (options.quiet or options.no_progress)
    with progress_reporter(enabled=show_progress) as progress:
        result = run_analysis(
            config, command="baseline", progress=progress, churn=False, stderr=sys.stderr
        )
    if result.module_errors:
        failed = ", ".join(module for module, _ in result.module_errors)
        raise CommandFailed(f"not writing a baseline: module(s) {failed} failed")
    target = output if output is not None else config.project_root / BASELINE_FILE_NAME
    Baseline.of(result.findings).write(target)
    click.echo(f"Wrote {len(result.findings)} finding(s) to {target}")
