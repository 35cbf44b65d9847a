"""`harness ddl`: expand/contract validation of migrations against database snapshots."""

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from harness.errors import UsageError
from harness.exitcodes import ExitCode

if TYPE_CHECKING:
    from ddl_check.alembic_tree import TreeOptions

ENGINES = ["mariadb", "mysql", "postgresql", "sqlite"]
PHASE_NAMES = ("expand", "migrate", "contract")


def _say(message: str) -> None:
    """Progress lines go to stderr so stdout stays a clean report."""
    click.echo(f"[ddl] {message}", err=True)


def _restore_bar(total: int) -> Callable[[int], None]:
    """A byte-count progress bar for the restore (a plain label when stderr is not a terminal)."""
    bar = click.progressbar(length=total, label="[ddl] restoring", file=sys.stderr)
    bar.__enter__()
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        bar.update(n)
        if done >= total:
            bar.__exit__(None, None, None)

    return advance


def _emit(text: str, output: str | None) -> None:
    """Write the report to -o PATH or stdout."""
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        _say(f"report written to {output}")
    else:
        click.echo(text)


def tree_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say how to read an alembic tree, given to the command as `tree`."""

    @functools.wraps(func)
    def with_tree(
        *args: Any,
        alembic_ini: str | None,
        branch_labels: tuple[str, ...],
        patch_from: tuple[str, ...],
        python: str | None,
        version_table: str,
        **kwargs: Any,
    ) -> Any:
        tree = _tree(alembic_ini, branch_labels, patch_from, python)
        tree.version_table = version_table
        return func(*args, tree=tree, **kwargs)

    for option in reversed(
        [
            click.option(
                "--alembic-ini",
                type=click.Path(exists=True, dir_okay=False),
                help="The tree's alembic.ini (default: found next to or above the scripts).",
            ),
            click.option(
                "--branch-label",
                "branch_labels",
                multiple=True,
                metavar="PHASE=LABEL",
                help="The branch label of a phase, e.g. expand=expand_branch (repeatable).",
            ),
            click.option(
                "--patch-from",
                multiple=True,
                metavar="REV",
                help="The patch is REV and every revision built on it (repeatable).",
            ),
            click.option(
                "--version-table",
                default="alembic_version",
                show_default=True,
                help="The version table the tree's env.py names (neutron's subprojects have own).",
            ),
            click.option(
                "--python",
                "python",
                type=click.Path(dir_okay=False),
                help="Capture in this interpreter: the project's own virtual environment.",
            ),
        ]
    ):
        with_tree = option(with_tree)
    return with_tree


def _tree(
    alembic_ini: str | None,
    branch_labels: tuple[str, ...],
    patch_from: tuple[str, ...],
    python: str | None,
) -> "TreeOptions":
    """TreeOptions from the command line; a malformed PHASE=LABEL is a usage error."""
    from ddl_check.alembic_tree import TreeOptions, default_labels
    from ddl_check.model import Phase

    labels = default_labels()
    for item in branch_labels:
        phase, _, label = item.partition("=")
        if phase not in PHASE_NAMES or not label:
            raise UsageError(
                f"--branch-label {item}: expected PHASE=LABEL with PHASE one of "
                f"{', '.join(PHASE_NAMES)}"
            )
        labels[Phase(phase)] = label
    ini = Path(alembic_ini) if alembic_ini else None
    return TreeOptions(ini, labels, patch_from, python)


@click.group(name="ddl")
def command() -> None:
    """Expand/contract validation of migrations against database snapshots."""


@command.command("check")
@click.option(
    "--snapshot",
    help="mysqldump/pg_dump file (plain or .gz), SQLite file, or URL "
    "(default: an alembic tree builds one on --engine).",
)
@click.option(
    "--migrations",
    "migrations",
    required=True,
    multiple=True,
    type=click.Path(),
    help="SQL files by phase or an alembic tree; repeat for several patches (one report each).",
)
@click.option(
    "--engine", type=click.Choice(ENGINES), help="Engine (default: what the snapshot says)."
)
@click.option("--old-workload", help="Old code's DB use: SQL file, general log, or cmd:<command>.")
@click.option("--new-workload", help="New code's DB use: SQL file, general log, or cmd:<command>.")
@click.option(
    "--scratch-url",
    envvar="HARNESS_DDL_SCRATCH_URL",
    help="Server for scratch databases (default: the engine on 127.0.0.1).",
)
@click.option(
    "--parallel",
    type=click.IntRange(min=1),
    help="Patches checked at a time (default: 2, or 1 on one core); each has its own clone.",
)
@click.option(
    "--capture",
    type=click.Choice(["online", "offline"]),
    default="online",
    show_default=True,
    help="Alembic trees: run upgrade() on a scratch clone, or emit its SQL without a database.",
)
@tree_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.pass_context
def check(
    ctx: click.Context,
    snapshot: str | None,
    migrations: tuple[str, ...],
    engine: str | None,
    old_workload: str | None,
    new_workload: str | None,
    scratch_url: str | None,
    parallel: int | None,
    capture: str,
    tree: "TreeOptions",
    fmt: str,
    output: str | None,
) -> None:
    """Apply each patch to a scratch clone of the snapshot; exit 1 when a rule fails."""
    from ddl_check.check import CheckOptions, run_check
    from ddl_check.report import RENDERERS

    options = CheckOptions(
        snapshot, [Path(m) for m in migrations], engine, old_workload, new_workload, scratch_url
    )
    tree.capture = capture
    options.tree = tree
    if parallel:
        options.workers = parallel
    reports = run_check(options, _say, _restore_bar)
    _emit(RENDERERS[fmt](reports), output)
    ctx.exit(ExitCode.FINDINGS if any(r.failed for r in reports) else ExitCode.OK)


@command.command("lint")
@click.option(
    "--migrations", required=True, type=click.Path(), help="SQL files by phase or an alembic tree."
)
@click.option("--engine", type=click.Choice(ENGINES), required=True, help="SQL dialect.")
@tree_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.pass_context
def lint(
    ctx: click.Context,
    migrations: str,
    engine: str,
    tree: "TreeOptions",
    fmt: str,
    output: str | None,
) -> None:
    """Static phase rules only, without a database (alembic SQL emitted offline); exit 1 on hits."""
    from ddl_check.migrations import load_patch
    from ddl_check.model import PatchReport
    from ddl_check.report import RENDERERS
    from ddl_check.static import check_patch

    tree.capture = "offline"
    patch = load_patch(Path(migrations), engine, tree)
    report = PatchReport(patch.name, engine, findings=check_patch(patch, engine))
    _emit(RENDERERS[fmt]([report]), output)
    ctx.exit(ExitCode.FINDINGS if report.failed else ExitCode.OK)


@command.command("rules")
@click.argument("code", required=False)
def rules(code: str | None) -> None:
    """List every rule: code, name, severity and fix hint; with CODE, that rule's page (why,
    a migration that breaks it and one that keeps it)."""
    from ddl_check.rule_pages import render_page
    from ddl_check.rules import CATALOGUE, Code
    from harness.tables import format_table

    if code is None:
        click.echo(format_table(["code", "name", "severity", "fix"],
                                [(r.code, r.name, r.severity.value, r.hint)
                                 for r in CATALOGUE.values()]))
        return
    if code.upper() not in set(Code):
        raise click.BadParameter(f"no rule {code!r}; `harness ddl rules` lists them",
                                 param_hint="CODE")
    click.echo(render_page(code.upper()))
