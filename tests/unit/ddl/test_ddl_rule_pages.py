"""`harness ddl rules` lists each rule's fix; `harness ddl rules CODE` prints its page."""

import pytest
from click.testing import CliRunner

from ddl_check.rule_pages import EXAMPLES
from ddl_check.rules import CATALOGUE, Code
from harness.cli.ddl import command

pytestmark = pytest.mark.unit


def test_every_rule_has_a_page_with_a_bad_and_a_good_migration() -> None:
    assert set(EXAMPLES) == set(Code) == set(CATALOGUE)
    assert all(example.bad and example.good and example.bad != example.good
               for example in EXAMPLES.values())


def test_the_list_shows_every_fix_hint() -> None:
    result = CliRunner().invoke(command, ["rules"])
    assert result.exit_code == 0
    for rule in CATALOGUE.values():
        assert f"{rule.code}" in result.output and rule.hint in result.output


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_a_page_shows_why_bad_good_and_the_fix(code: Code) -> None:
    result = CliRunner().invoke(command, ["rules", code.lower()])
    assert result.exit_code == 0, result.output
    page, example = result.output, EXAMPLES[code]
    bad_sql = next(iter(example.bad.values())).splitlines()[0]
    good_sql = next(iter(example.good.values())).splitlines()[0]
    assert page.startswith(f"{code} {CATALOGUE[code].name}")
    assert page.index("Bad (") < page.index(bad_sql) < page.index("Good (") < page.rindex(good_sql)
    assert f"Fix: {CATALOGUE[code].hint}." in page


def test_an_unknown_code_is_a_usage_error() -> None:
    result = CliRunner().invoke(command, ["rules", "EXP999"])
    assert result.exit_code == 2 and "no rule 'EXP999'" in result.output
