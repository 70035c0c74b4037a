"""``chaffra security`` and ``chaffra advisories``: thin adapters over ``run_analysis``
and the advisory database of chaffra-core's security module."""

from __future__ import annotations

from pathlib import Path

import click

from chaffra_cli._analysis_options import AnalysisChoices, analysis_options
from chaffra_cli._commands_analysis import _PATH, _analyse, _Narrowing, _report_options
from chaffra_cli._errors import EXIT_FAILURE
from chaffra_cli._options import GlobalOptions, pass_globals

__all__ = ["advisories", "security"]


@click.command(short_help="Vulnerable code, secrets and vulnerable dependencies.")
@_PATH
@click.option(
    "--advisories",
    "advisories_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    metavar="PATH",
    help="An OSV export (zip or directory) to check dependencies against, instead of the "
    "local database of `chaffra advisories update`.",
)
@_report_options
@analysis_options
@pass_globals
def security(
    options: GlobalOptions,
    path: Path,
    advisories_path: Path | None,
    baseline_file: Path | None,
    changed_since: str | None,
    **values: object,
) -> None:
    """Security findings for the project at PATH (default: .).

    \b
    - SAST: bandit's checks on the syntax tree (each finding names its bandit
      test id and CWE; `# nosec`, `# nosec B602` and `# chaffra: ignore[...]`
      work), with taint from request data, argv, stdin and the environment;
    - secrets in .py, .env, TOML, YAML, JSON, INI, Dockerfiles and shell
      scripts, always shown redacted (a prefix and a hash);
    - pinned and locked dependencies (requirements, pyproject, uv.lock,
      poetry.lock, Pipfile.lock) against OSV advisories, offline.
    """
    flags = {"advisories": str(advisories_path.resolve())} if advisories_path else {}
    _analyse(
        options,
        path,
        AnalysisChoices.pop_from(dict(values)),
        command="security",
        modules=("security",),
        churn=True,
        narrowing=_Narrowing(baseline=baseline_file, changed_since=changed_since),
        module_flags={"security": flags} if flags else None,
    )


@click.group(short_help="The local advisory database (OSV).")
def advisories() -> None:
    """The local database of dependency advisories `chaffra security` checks against.

    It lives in your user cache directory ($CHAFFRA_CACHE_DIR, else
    $XDG_CACHE_HOME/chaffra or ~/.cache/chaffra) under advisories/, with the
    date it was downloaded and where from; findings say how old it is.
    """


@advisories.command(short_help="Download OSV's PyPI advisories.")
@click.option(
    "--url",
    default=None,
    metavar="URL",
    help="Where to download the OSV zip from (default: OSV's PyPI export).",
)
@pass_globals(accepts=frozenset())
def update(_options: GlobalOptions, url: str | None) -> None:
    """Download the PyPI advisories of OSV and store them for offline checks."""
    from chaffra_core.analyzers.security import OSV_PYPI_URL, update_database

    source = url or OSV_PYPI_URL
    try:
        info = update_database(source)
    except (OSError, ValueError) as error:
        click.echo(
            f"Error: could not update the advisory database from {source}: {error}", err=True
        )
        raise click.exceptions.Exit(EXIT_FAILURE) from error
    click.echo(
        f"Stored {info.advisories} advisories for {info.packages} packages from {info.source} "
        f"({info.date}) in {info.path}"
    )


@advisories.command(short_help="Where the database is and how old.")
@pass_globals(accepts=frozenset())
def info(_options: GlobalOptions) -> None:
    """Print the database's directory, source, date and age."""
    from chaffra_core.analyzers.security import database_dir, open_advisories

    source = open_advisories(None)
    click.echo(f"Directory: {database_dir()}")
    if source.missing:
        click.echo("No advisory database: run `chaffra advisories update`.")
        return
    packages = len(source.by_package)
    count = sum(len(v) for v in source.by_package.values())
    click.echo(f"Source: {source.origin}")
    click.echo(f"Date: {source.date} ({source.age_days} days old)")
    click.echo(f"Advisories: {count} for {packages} packages")
