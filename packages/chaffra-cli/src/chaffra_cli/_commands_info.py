"""Commands that describe chaffra itself or set a project up: ``explain``, ``modules``, ``init``.

None of them records telemetry.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from chaffra_cli._errors import CommandFailed
from chaffra_cli._options import INFO_FORMATS, INFO_OPTIONS, GlobalOptions, pass_globals

if TYPE_CHECKING:
    from chaffra_core import ModuleHost, RuleExplanation

__all__ = ["explain", "format_explanation", "init", "modules", "to_json"]


def to_json(value: Any) -> str:
    """``value`` (attrs instances, tuples, string enums) as indented JSON."""
    plain = attrs.asdict(value) if attrs.has(type(value)) else value
    return json.dumps(plain, indent=2, default=_plain) + "\n"


def _plain(value: object) -> object:
    if attrs.has(type(value)):
        return attrs.asdict(value)  # type: ignore[arg-type]  # attrs.has narrows at runtime
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _host() -> ModuleHost:
    from chaffra_core import ModuleHost

    host = ModuleHost.default()
    for failure in host.load_errors:
        click.echo(
            f"Warning: module {failure.name} failed to load: "
            f"{failure.error_type}: {failure.message}",
            err=True,
        )
    return host


def format_explanation(explanation: RuleExplanation) -> str:
    """The text ``chaffra explain`` prints."""
    lines = [
        f"Rule: {explanation.name} ({explanation.rule_id})",
        "",
        explanation.description,
        "",
        f"Rationale: {explanation.rationale}",
        f"Default severity: {explanation.default_severity.value}",
        f"Suppress with: {explanation.suppression_syntax}",
    ]
    if explanation.examples:
        lines += ["", "Examples:"]
        lines += [textwrap.indent(example.rstrip("\n"), "  ") for example in explanation.examples]
    return "\n".join(lines) + "\n"


@click.command(short_help="Explain a rule, e.g. complexity:high-cyclomatic.")
@click.argument("rule")
@pass_globals(accepts=INFO_OPTIONS, formats=INFO_FORMATS)
def explain(options: GlobalOptions, rule: str) -> None:
    """Explain RULE: `module:rule` (e.g. complexity:high-cyclomatic) or a bare rule name.

    A bare name that several modules define is ambiguous: qualify it.
    chaffra's own rules (parse:*, core:*) are explained too.
    """
    from chaffra_core import BUILTIN_EXPLANATIONS, split_rule_id
    from chaffra_core.errors import ModuleNotFound, RuleNotFound

    host = _host()
    module_id, bare = split_rule_id(rule)
    if module_id is None:
        owners = [
            info.id
            for info in host.infos()
            if any(r.id in (bare, f"{info.id}:{bare}") for r in info.rules)
        ]
        if len(owners) > 1:
            choices = ", ".join(f"{owner}:{bare}" for owner in owners)
            raise CommandFailed(f"ambiguous rule {rule!r}: use one of {choices}")
        if owners:
            rule = f"{owners[0]}:{bare}"
    try:
        explanation = BUILTIN_EXPLANATIONS.get(rule) or host.explain(rule)
    except (ModuleNotFound, RuleNotFound) as error:
        raise CommandFailed(f"{error} (`chaffra modules` lists the rules)") from error
    if options.output_format == "json":
        click.echo(to_json(explanation), nl=False)
    else:
        click.echo(format_explanation(explanation), nl=False)


@click.command(short_help="List the analysis modules and their rules.")
@pass_globals(accepts=INFO_OPTIONS, formats=INFO_FORMATS)
def modules(options: GlobalOptions) -> None:
    """List the analysis modules (built-in and `chaffra.modules` plugins) and their rules."""
    infos = _host().infos()
    if options.output_format == "json":
        click.echo(to_json({"modules": infos}), nl=False)
        return
    if not infos:
        click.echo("No modules registered.")
        return
    blocks = [
        "\n".join(
            [
                f"{info.id} v{info.version} - {info.name}",
                f"  Languages: {', '.join(info.languages)}",
                f"  Capabilities: {', '.join(info.capabilities)}",
                f"  Rules: {', '.join(rule.id for rule in info.rules)}",
            ]
        )
        for info in infos
    ]
    click.echo("\n\n".join(blocks))


@click.command(short_help="Write a commented .chaffra.toml.")
@click.argument(
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    required=False,
)
@click.option("--force", is_flag=True, help="Overwrite an existing .chaffra.toml.")
@pass_globals(accepts={"quiet"})
def init(options: GlobalOptions, directory: Path, force: bool) -> None:
    """Write a commented .chaffra.toml into DIRECTORY (default: .).

    The template spells out every setting with its default; it configures
    nothing until you uncomment a line. An existing file is kept unless --force.
    """
    from chaffra_core import CONFIG_FILE_NAME, render_init_template

    target = directory / CONFIG_FILE_NAME
    try:
        with target.open("w" if force else "x", encoding="utf-8") as stream:
            stream.write(render_init_template())
    except FileExistsError:
        raise CommandFailed(f"{target} already exists (use --force to overwrite)") from None
    click.echo(f"Created {target}")
