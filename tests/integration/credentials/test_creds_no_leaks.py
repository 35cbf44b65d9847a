"""Every log line, report and state file of a run is searched for every secret it issued."""

import configparser
import json
import logging
import os
from pathlib import Path

import pytest

from credentials.layout import VaultLayout
from credentials.redaction import REDACTOR
from harness.config import load_cloud
from harness.config.secrets import vault_client
from harness.creds.session import CredentialSession
from tests.integration.credentials.test_creds_cli import run, suffix_of


def bundle_secrets(conf: Path) -> set[str]:
    """The passwords, URLs and private key a bundle delivered."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(conf)
    found = {parser["DEFAULT"]["transport_url"], parser["database"]["connection"]}
    for url in list(found):
        found.add(url.split("@")[0].rsplit(":", 1)[1])  # the password alone
    key = Path(parser["ssl"]["key_file"]).read_text()
    found |= {key, *(line for line in key.splitlines() if not line.startswith("-----"))}
    return found


def test_no_secret_reaches_logs_reports_or_state(
    capsys: pytest.CaptureFixture[str], state_dir: Path, tmp_path: Path, cloud_file: Path,
    layout: VaultLayout,
) -> None:
    log_file = tmp_path / "run.log"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    issued: set[str] = set()
    outputs: list[str] = []
    try:
        base = ["-vv", "--cloud-config", str(cloud_file), "creds"]
        suffix = ["--mount-suffix", suffix_of(layout)]
        outputs += run(capsys, *base, "bootstrap", "--cloud", "credtest", *suffix)[1:]
        for mode in ("shadow", "production"):
            code, out, err = run(capsys, *base, "issue", "--cloud", "credtest", *suffix,
                                 "--host", "cmp-1", "--mode", mode, "--owner-pid",
                                 str(os.getpid()), "--json")
            assert code == 0, err
            outputs += [out, err]
            issued |= bundle_secrets(Path(json.loads(out)["bundle"]))
        state_files = {str(p): p.read_text() for p in (state_dir / "creds" / "sessions").iterdir()}
        assert len(state_files) == 2
        cloud = load_cloud("credtest", cloud_file)
        with CredentialSession(cloud, vault_client(cloud), layout) as session:
            wrapped = session.issue("cmp-2", "shadow", wrapped=True)
            assert wrapped.wrapping_token
            issued.add(wrapped.wrapping_token)
            logging.getLogger("careless.module").warning("token is %s", wrapped.wrapping_token)
            try:
                raise RuntimeError(f"failed with {wrapped.wrapping_token}")
            except RuntimeError:
                logging.getLogger("careless.module").exception("boom")
        outputs += run(capsys, *base, "ls")[1:]
        for session_id in json.loads(run(capsys, *base, "ls", "--json")[1]):
            outputs += run(capsys, *base, "revoke", session_id["session"], "--force")[1:]
        outputs += run(capsys, *base, "gc")[1:]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()
    haystacks = {"log": log_file.read_text(), "output": "\n".join(outputs), **state_files}
    haystacks |= {str(p): p.read_text() for p in state_dir.rglob("*") if p.is_file()}
    assert "[REDACTED]" in haystacks["log"]  # the careless lines were there, scrubbed
    assert len(haystacks["log"].splitlines()) > 50  # -vv: hvac and HTTP debug lines too
    assert len(issued) > 8 and set(issued) <= set(REDACTOR.known())
    leaks = [(where, secret[:6]) for where, text in haystacks.items()
             for secret in issued if secret in text]
    assert leaks == []
