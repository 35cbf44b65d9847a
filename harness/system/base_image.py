"""The registry-free base image for shards: a Debian root file system with python3."""

import shutil
import subprocess
import tempfile
from typing import Any

from harness.errors import InfrastructureError
from harness.paths import private_dir
from harness.system.apt_sources import machine_debian_source
from harness.system.process import ensure_binary, run

BASE_IMAGE = "shadow-harness/base"
PACKAGES = ("python3", "python3-venv", "ca-certificates")


def base_image_tag() -> str:
    """The base image's full name, versioned by the Debian release it is built from."""
    return f"{BASE_IMAGE}:{machine_debian_source().suite}"


def ensure_base_image(client: Any) -> tuple[str, bool]:
    """Return the base image's tag, building it first if absent; the bool says it was built."""
    import docker.errors

    tag = base_image_tag()
    try:
        client.images.get(tag)
        return tag, False
    except docker.errors.ImageNotFound:
        pass
    build_base_image(tag)
    return tag, True


def build_base_image(tag: str) -> None:
    """debootstrap a minimal root from the machine's own mirror and `docker import` it."""
    source = machine_debian_source()
    debootstrap = ensure_binary("debootstrap", "debootstrap")
    docker_cli = ensure_binary("docker", "docker.io")
    root = tempfile.mkdtemp(prefix="rootfs-", dir=private_dir("images"))
    try:
        run([debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}",
             source.suite, root, source.uri], timeout=1200)
        shutil.rmtree(f"{root}/var/cache/apt/archives", ignore_errors=True)
        tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(
            [docker_cli, "import", "--change", 'CMD ["python3"]', "-", tag],
            stdin=tar.stdout, capture_output=True, text=True, check=False,
        )
        tar.wait()
        if imported.returncode != 0 or tar.returncode != 0:
            raise InfrastructureError(f"docker import of {tag} failed: {imported.stderr.strip()}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
