"""SQL for issued database users: SELECT for shadow, row writes for production, never DDL."""

import pytest

from credentials.database import DatabaseTarget, probed_target
from credentials.database_grants import engine_of, mysql_statements, postgresql_statements
from credentials.errors import CredentialsError


def test_shadow_mysql_user_gets_select_on_one_database() -> None:
    statements = mysql_statements("nova", "shadow")
    assert statements.creation[1] == "GRANT SELECT ON `nova`.* TO '{{name}}'@'%'"
    assert statements.revocation == ["DROP USER IF EXISTS '{{name}}'@'%'"]


def test_production_postgresql_user_writes_rows_and_uses_sequences() -> None:
    creation = " ; ".join(postgresql_statements("nova", "production").creation)
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "public"' in creation
    assert "SEQUENCES" in creation and "CREATE TABLE" not in creation


def test_mariadb_revocation_ends_the_users_connections_after_dropping_it() -> None:
    revocation = mysql_statements("nova", "production", kill_by_user=True).revocation
    assert revocation == ["DROP USER IF EXISTS '{{name}}'@'%'", "KILL USER '{{name}}'"]


@pytest.mark.parametrize("name", ["nova`; DROP", "a b", "x'y", ""])
def test_names_needing_quotes_are_refused(name: str) -> None:
    with pytest.raises(CredentialsError):
        mysql_statements(name, "shadow")


def test_engine_and_urls_from_a_cloud_url() -> None:
    target = DatabaseTarget("mysql+pymysql://root@127.0.0.1:3306/nova?charset=utf8")
    assert (target.engine, target.name, target.admin_user) == ("mysql", "nova", "root")
    assert target.plugin_url() == "{{username}}:{{password}}@tcp(127.0.0.1:3306)/"
    assert target.with_login("u", "p@s/s") == (
        "mysql+pymysql://u:p%40s%2Fs@127.0.0.1:3306/nova?charset=utf8")
    pg = DatabaseTarget("postgresql://127.0.0.1/nova")
    assert pg.plugin_url().endswith("@127.0.0.1:5432/nova?sslmode=prefer")
    with pytest.raises(CredentialsError, match="sqlite"):
        engine_of("sqlite:///x.db")


def test_an_unreachable_server_is_named_when_probed() -> None:
    with pytest.raises(CredentialsError, match=r"127\.0\.0\.1:1 did not answer as root"):
        probed_target("mysql+pymysql://root@127.0.0.1:1/nova", "")
    assert not probed_target("postgresql://127.0.0.1:1/nova", "").kill_by_user  # never asked
