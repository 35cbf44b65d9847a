"""Printing results the same way in every command: a table for people, JSON for scripts."""

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def json_option(func: F) -> F:
    """Add the `--json` flag every result-printing command accepts."""
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(func)


def emit_json(data: Any) -> None:
    """Print data as indented JSON on stdout."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
