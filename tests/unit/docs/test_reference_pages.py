"""Each command group's page in docs/ names each command and every option its --help has."""

import re

import click
import pytest

from tests.unit.docs.markdown import DOCS, every_command, option_names

# group -> its page; `harness` itself (the global options) is documented with clouds.yaml
PAGES = {"": "clouds.md", "clouds": "clouds.md", "dev": "dev.md", "creds": "creds.md",
         "shard": "shard.md", "image": "shard.md", "gc": "shard.md", "agent": "shard.md",
         "shadow": "shadow.md", "sandbox": "sandbox.md", "hollow": "sandbox.md",
         "ddl": "ddl.md", "demo": "demo.md", "scale": "scale.md"}
DOCUMENTED = [(path, command) for path, command in every_command() if option_names(command)]


def test_every_group_has_a_page() -> None:
    assert {path[0] if path else "" for path, _ in every_command()} == set(PAGES)


@pytest.mark.parametrize(("path", "command"), DOCUMENTED,
                         ids=[" ".join(["harness", *path]) for path, _ in DOCUMENTED])
def test_the_groups_page_names_the_command_and_every_option(
        path: list[str], command: click.Command) -> None:
    page = DOCS / PAGES[path[0] if path else ""]
    text = page.read_text()
    missing = [name for name in option_names(command)
               if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)]
    assert not missing, f"{page.name} lacks {missing} of harness {' '.join(path)}"
    assert " ".join(["harness", *path]) in text
