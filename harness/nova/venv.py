"""The virtual environment real nova runs from: its own, apart from the harness's, cached.

It lives under a directory any uid can read (shards may run as unprivileged uids), keyed by
the versions it holds, so a second `dev up --nova` on the same machine reuses it.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.atomic import write_json
from harness.errors import InfrastructureError, UsageError
from harness.paths import private_dir
from harness.system.process import run

NOVA_VERSION = "34.0.0"
PLACEMENT_VERSION = "16.0.0"
REQUIREMENTS = (f"nova=={NOVA_VERSION}", f"openstack-placement=={PLACEMENT_VERSION}", "PyMySQL",
                "gunicorn")
ROOT_VARIABLE = "HARNESS_NOVA_ROOT"
DEFAULT_ROOT = "/opt/shadow-harness"
STAMP = ".harness-installed"


def venv_dir() -> Path:
    """Where the dev nova venv lives: $HARNESS_NOVA_ROOT or /opt/shadow-harness, by versions."""
    root = Path(os.environ.get(ROOT_VARIABLE) or DEFAULT_ROOT)
    return root / f"nova-{NOVA_VERSION}-placement-{PLACEMENT_VERSION}"


def ensure_venv() -> tuple[Path, bool]:
    """The dev nova venv, built on first use (about a minute); whether it was built now."""
    target = venv_dir()
    if (target / STAMP).is_file():
        return target, False
    shutil.rmtree(target, ignore_errors=True)  # a half-built one from an interrupted run
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    run([sys.executable, "-m", "venv", str(target)])
    run([str(target / "bin" / "pip"), "install", "--quiet", *REQUIREMENTS], timeout=1200)
    (target / STAMP).write_text(" ".join(REQUIREMENTS) + "\n")
    for path in (target.parent, target):
        path.chmod(0o755)
    return target, True


def nova_python(path: str | None) -> Path:
    """The Python interpreter of a nova checkout or venv (the dev venv's when None).

    A venv is used as is; a checkout is run with the dev venv's interpreter and the checkout
    first on PYTHONPATH (see `checkout_pythonpath`)."""
    if path is None:
        return venv_dir() / "bin" / "python"
    given = Path(path).expanduser().resolve()
    if (given / "bin" / "python").exists():
        return given / "bin" / "python"
    if (given / "nova" / "__init__.py").is_file():
        return venv_dir() / "bin" / "python"
    raise UsageError(f"--nova {path}: neither a virtual environment (no bin/python) nor a nova "
                     "checkout (no nova/__init__.py)")


def checkout_pythonpath(path: str | None) -> str | None:
    """The PYTHONPATH that puts a nova checkout ahead of the dev venv's nova (None for a venv)."""
    if path is None:
        return None
    given = Path(path).expanduser().resolve()
    return str(given) if (given / "nova" / "__init__.py").is_file() else None


def _facts_key(python: Path, pythonpath: str | None) -> str | None:
    """What identifies a nova build: its service module's path, size and mtime (None: none)."""
    roots = [Path(pythonpath)] if pythonpath else sorted(
        python.parent.parent.glob("lib/python*/site-packages"))
    for root in roots:
        module = root / "nova" / "objects" / "service.py"
        if module.is_file():
            stat = module.stat()
            return f"{python}|{module}|{stat.st_size}|{stat.st_mtime_ns}"
    return None


def nova_facts(python: Path, pythonpath: str | None) -> dict[str, str]:
    """A nova build's version, service version and compute RPC version, asked of it once per
    build (importing nova takes seconds) and remembered until its service module changes."""
    key = _facts_key(python, pythonpath)
    cache = private_dir("nova") / "facts.json"
    try:
        known: dict[str, dict[str, str]] = json.loads(cache.read_text())
    except (FileNotFoundError, ValueError):
        known = {}
    if key is not None and key in known:
        return known[key]
    facts = _probe_facts(python, pythonpath)
    if key is not None:
        write_json(cache, {**known, key: facts})
    return facts


def _probe_facts(python: Path, pythonpath: str | None) -> dict[str, str]:
    """Import nova in its own interpreter and read the facts."""
    probe = ("import json, nova.version as v, nova.objects.service as s; print(json.dumps("
             "{'version': v.version_info.release_string(), 'service_version': "
             "str(s.SERVICE_VERSION), 'compute_rpc': "
             "s.SERVICE_VERSION_HISTORY[s.SERVICE_VERSION]['compute_rpc']}))")
    env = {**os.environ, **({"PYTHONPATH": pythonpath} if pythonpath else {})}
    try:
        done = subprocess.run([str(python), "-c", probe], capture_output=True, text=True,
                              timeout=120, env=env, check=False)
    except OSError as error:
        raise UsageError(f"{python}: {error.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"{python} holds no usable nova: {last}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def require_venv() -> Path:
    """The dev nova venv, or an error saying how to build it."""
    target = venv_dir()
    if not (target / STAMP).is_file():
        raise InfrastructureError(f"no nova venv at {target}: run `harness dev up --nova`")
    return target
