"""The bundle: an oslo.config INI fragment and PEM files, 0600 in a 0700 directory."""

import stat
from pathlib import Path

from credentials.delivery import Bundle, render_ini, write_bundle
from credentials.layout import VaultLayout

BUNDLE = Bundle(
    options={"database": {"connection": "mysql://u:p$w@h/db"},
             "DEFAULT": {"transport_url": "rabbit://u:p@h:5672/v"}},
    file_options={"ssl": {"cert_file": "cert.pem"}},
    files={"cert.pem": "-----BEGIN CERTIFICATE-----\n"},
)


def test_ini_puts_default_first_escapes_dollars_and_points_at_files(tmp_path: Path) -> None:
    text = render_ini(BUNDLE, tmp_path)
    assert text.startswith("[DEFAULT]\ntransport_url = rabbit://u:p@h:5672/v\n")
    assert "connection = mysql://u:p$$w@h/db" in text
    assert f"cert_file = {tmp_path / 'cert.pem'}" in text


def test_written_private_and_round_trips_through_json(tmp_path: Path) -> None:
    conf = write_bundle(Bundle.from_json(BUNDLE.to_json()), tmp_path / "shard")
    assert stat.S_IMODE(conf.parent.stat().st_mode) == 0o700
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in conf.parent.iterdir()} == {
        "credentials.conf": 0o600, "cert.pem": 0o600}


def test_a_bundle_for_a_container_names_files_where_the_container_sees_them(
    tmp_path: Path,
) -> None:
    conf = write_bundle(BUNDLE, tmp_path / "shard", seen_as=Path("/run/harness/credentials"))
    assert "cert_file = /run/harness/credentials/cert.pem" in conf.read_text()
    assert (conf.parent / "cert.pem").is_file()


def test_layout_suffix_names_everything_but_the_kv_mount() -> None:
    layout = VaultLayout(kv="kv").suffixed("t1")
    assert (layout.rabbitmq, layout.harness_policy, layout.kv) == (
        "rabbitmq-t1", "shadow-harness-t1", "kv")
    assert VaultLayout.from_dict({**layout.to_dict(), "future": "x"}) == layout


def test_transport_url_quotes_credentials_and_vhost() -> None:
    from credentials.bus import BusTarget

    bus = BusTarget("amqp://guest@127.0.0.1:5672/", "nova")
    assert bus.production_vhost == "/"
    assert bus.transport_url("u", "p/w", "/") == "rabbit://u:p%2Fw@127.0.0.1:5672/%2F"
    assert BusTarget("amqp://127.0.0.1/prod").production_vhost == "prod"
