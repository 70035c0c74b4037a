"""``chaffra cache``: where the result cache lives, how big it is, and removing it."""

from __future__ import annotations

import click

from chaffra_cli._options import GlobalOptions, pass_globals

__all__ = ["cache"]


@click.group(short_help="The result cache in your user cache directory.")
def cache() -> None:
    """The result cache: per-file analysis results, so unchanged files are not analysed again.

    It lives in your user cache directory ($CHAFFRA_CACHE_DIR, else
    $XDG_CACHE_HOME/chaffra or ~/.cache/chaffra), never in the project, so it
    works with --telemetry off too. It is bounded (the least recently used
    projects beyond 64 or 512 MiB are removed) and safe to delete at any time.
    """


@cache.command(short_help="Where the cache is and how big.")
@pass_globals(accepts=frozenset())
def info(_options: GlobalOptions) -> None:
    """Print the cache directory, its number of projects and its size."""
    from chaffra_core import cache_home

    results = cache_home() / "results"
    projects = [p for p in results.iterdir() if p.is_dir()] if results.is_dir() else []
    size = sum(f.stat().st_size for p in projects for f in p.iterdir() if f.is_file())
    click.echo(f"Cache directory: {cache_home()}")
    click.echo(f"Projects: {len(projects)}")
    click.echo(f"Size: {size / (1024 * 1024):.1f} MiB")


@cache.command(short_help="Remove every cached result.")
@pass_globals(accepts=frozenset())
def clean(_options: GlobalOptions) -> None:
    """Remove every cached result (the next run of each project is a cold one)."""
    from chaffra_core import cache_home, clean_cache

    freed = clean_cache()
    click.echo(f"Removed {freed / (1024 * 1024):.1f} MiB of cached results from {cache_home()}")
