"""The repository's Markdown and the CLI tree it documents, read the way the docs tests need."""

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click

from harness.cli import cli

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def fenced(text: str, language: str) -> list[str]:
    """The bodies of the text's fenced blocks in that language."""
    return [body for lang, body in FENCE.findall(text) if lang == language]


def commands(block: str) -> list[str]:
    """A shell block's commands: continuation lines joined, comments and blank lines dropped."""
    joined = block.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            found.append(shlex.join(words))
    return found


def prose_words(text: str) -> int:
    """Words as `wc -w` counts them, fence lines left out."""
    return sum(len(line.split()) for line in text.splitlines() if not line.startswith("```"))


def links(text: str) -> list[str]:
    """Targets of the text's Markdown links, without their anchors."""
    return LINK.findall(text)


def resolve(words: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The command a `harness ...` line names, its path, and the arguments left for it."""
    command: click.Command = cli
    path: list[str] = []
    rest = words
    ctx = click.Context(cli)
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        found = command.get_command(ctx, rest[0])
        if found is None:
            raise LookupError(f"no command {' '.join([*path, rest[0]])!r}")
        command, path, rest = found, [*path, rest[0]], rest[1:]
    return path, command, rest


def every_command() -> Iterator[tuple[list[str], click.Command]]:
    """Every command of the CLI below `harness`, groups included, with its path."""
    def walk(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
        yield path, command
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                yield from walk(sub, [*path, name])
    yield from walk(cli, [])


def option_names(command: click.Command) -> list[str]:
    """The long name of each option (the short one when it has none), --help aside."""
    names = []
    for param in command.params:
        if isinstance(param, click.Option):
            flags = [*param.opts, *param.secondary_opts]
            names.extend([f for f in flags if f.startswith("--")] or flags)
    return names
