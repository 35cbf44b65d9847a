"""Shard images built without a registry, on the base image `harness dev up` makes."""

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import InfrastructureError, UsageError
from harness.launchers.docker import engine_client
from harness.system.base_image import ensure_base_image

HOLLOW_IMAGE = f"shadow-harness/hollow:{__version__}"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The harness installed from wheels made on this machine: no index is reached from the build.
HOLLOW_DOCKERFILE = """\
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY wheels /tmp/wheels
RUN python3 -m venv /opt/harness \\
 && /opt/harness/bin/pip install --no-index --find-links /tmp/wheels shadow-harness \\
 && rm -rf /tmp/wheels
ENV PATH=/opt/harness/bin:$PATH
ENTRYPOINT ["harness", "hollow", "run"]
"""


def _build(client: Any, context: Path, tag: str, base: str) -> str:
    """docker build a context FROM the base image (no pull: the base is local)."""
    import docker.errors

    try:
        image, _ = client.images.build(path=str(context), tag=tag, buildargs={"BASE_IMAGE": base},
                                       network_mode="none", rm=True, pull=False)
    except docker.errors.BuildError as error:
        last = next((str(line.get("stream") or line.get("error", "")).strip()
                     for line in reversed(list(error.build_log))
                     if line.get("stream") or line.get("error")), str(error))
        raise UsageError(f"{context}/Dockerfile: build failed: {last}") from None
    return str(image.id)


def _wheels(target: Path) -> None:
    """Build wheels of the harness and everything it needs, with the machine's own pip setup."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(target),
         str(PROJECT_ROOT)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InfrastructureError(f"pip wheel failed: {done.stderr.strip().splitlines()[-1:]}")


def build_hollow_image(tag: str = HOLLOW_IMAGE) -> str:
    """The hollow compute's image: the harness installed into the base image."""
    client = engine_client()
    base, _ = ensure_base_image(client)
    with tempfile.TemporaryDirectory(prefix="harness-image-") as tmp:
        context = Path(tmp)
        _wheels(context / "wheels")
        (context / "Dockerfile").write_text(HOLLOW_DOCKERFILE)
        return _build(client, context, tag, base)


def build_from_directory(directory: Path, tag: str) -> str:
    """A user's component from its own Dockerfile, given the base image as BASE_IMAGE."""
    if not (directory / "Dockerfile").is_file():
        raise UsageError(f"{directory}: no Dockerfile (the directory's own build recipe)")
    client = engine_client()
    base, _ = ensure_base_image(client)
    return _build(client, directory, tag, base)
