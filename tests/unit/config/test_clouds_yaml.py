"""Every bad clouds.yaml is one line naming file, cloud, field (and line), with exit code 2."""

import textwrap
from pathlib import Path

import pytest

from harness.cli import main
from harness.config import load_cloud

GOOD = """\
clouds:
  prod:
    bus:
      url: amqp://nova@127.0.0.1:5672/
      password: {vault: "secret/prod/bus#password"}
      control_exchange: nova
      management_url: http://127.0.0.1:15672/
    vault:
      address: http://127.0.0.1:8200
      auth: {method: approle, role_id: harness, secret_id_file: /etc/harness/secret-id}
    database:
      url: mysql+pymysql://nova@127.0.0.1:3306/nova
    endpoints:
      image: http://127.0.0.1:9292/
    rpc_version_caps:
      compute: "6.2"
"""


def run_cli(tmp_path: Path, text: str, *args: str) -> tuple[int, str]:
    """Run `harness --cloud-config FILE clouds show prod` and return (exit code, stderr)."""
    config = tmp_path / "clouds.yaml"
    config.write_text(textwrap.dedent(text))
    try:
        main(["--cloud-config", str(config), "clouds", "show", *(args or ("prod",))])
    except SystemExit as stop:
        return int(stop.code or 0), str(config)
    return 0, str(config)


def test_good_config_loads_with_defaults(tmp_path: Path) -> None:
    config = tmp_path / "clouds.yaml"
    config.write_text(GOOD)
    cloud = load_cloud("prod", config)
    assert cloud.name == "prod"
    assert cloud.bus.control_exchange == "nova"
    assert cloud.vault is not None and cloud.vault.lease_ttl == 300
    assert cloud.rpc_version_caps == {"compute": "6.2"}


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("      control_exchange: nova\n", "      control_exchange: nova\n      colour: red\n"),
         ":7: cloud 'prod': field bus.colour: unknown key"),
        (("      compute: \"6.2\"\n", "      compute: [6, 2]\n"),
         ":16: cloud 'prod': field rpc_version_caps.compute: Input should be a valid string"),
        (("      compute: \"6.2\"\n", "      compute: \"six\"\n"),
         ":16: cloud 'prod': field rpc_version_caps.compute: RPC version must look like"),
        (("url: amqp://nova@127.0.0.1:5672/", "url: http//broken"),
         ":4: cloud 'prod': field bus.url: scheme must be one of amqp, amqps"),
        (("image: http://127.0.0.1:9292/", "image: http://127.0.0.1:notaport/"),
         ":14: cloud 'prod': field endpoints.image: malformed URL"),
        (("url: mysql+pymysql://nova@127.0.0.1:3306/nova",
          "url: mysql+pymysql://nova:hunter2@127.0.0.1:3306/nova"),
         ":12: cloud 'prod': field database.url: embeds a password; store it in Vault"),
        (("password: {vault: \"secret/prod/bus#password\"}", "password: hunter2"),
         ":5: cloud 'prod': field bus.password: embeds a secret; store it in Vault"),
        (("secret_id_file: /etc/harness/secret-id", "secret_id: s3cr3t"),
         ":10: cloud 'prod': field vault.auth.secret_id: embeds a secret; store it in Vault"),
        (("    database:\n      url: mysql+pymysql://nova@127.0.0.1:3306/nova\n", ""),
         None),
        (("    bus:\n", "    buss:\n"), ": cloud 'prod': field buss: unknown key"),
        (("role_id: harness, ", ""), ":10: cloud 'prod': field vault.auth.role_id: required"),
    ],
)
def test_bad_config_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mutation: tuple[str, str],
    expected: str | None,
) -> None:
    old, new = mutation
    assert old in GOOD
    code, path = run_cli(tmp_path, GOOD.replace(old, new))
    err = capsys.readouterr().err
    if expected is None:  # a removed optional section is not an error
        assert code == 0
        return
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith(f"harness: error: {path}")
    assert expected in err


def test_yaml_syntax_error_names_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = GOOD.replace("control_exchange: nova", "control_exchange: [nova")
    code, path = run_cli(tmp_path, broken)
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:" in err and "YAML syntax error" in err
    assert err.count("\n") == 1


def test_missing_cloud_lists_known(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_cli(tmp_path, GOOD, "staging")
    err = capsys.readouterr().err
    assert code == 2
    assert "cloud 'staging' not found (clouds defined: prod)" in err


def test_missing_file_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["--cloud-config", str(tmp_path / "nope.yaml"), "clouds", "ls"])
    assert stop.value.code == 2
    assert "nope.yaml: no such clouds.yaml" in capsys.readouterr().err


def test_search_order_prefers_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home_config = tmp_path / "xdg" / "shadow-harness" / "clouds.yaml"
    home_config.parent.mkdir(parents=True)
    home_config.write_text(GOOD.replace("prod:", "fromhome:"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert load_cloud("fromhome").name == "fromhome"
    (tmp_path / "clouds.yaml").write_text(GOOD.replace("prod:", "fromcwd:"))
    assert load_cloud("fromcwd").name == "fromcwd"
