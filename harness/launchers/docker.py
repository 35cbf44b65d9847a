"""The docker launcher: host networking, labels naming session and shard, credentials mounted ro."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.errors import InfrastructureError, UsageError
from harness.launchers.base import (
    CREDENTIALS_ENV,
    SESSION_ENV,
    SHARD_ENV,
    Launcher,
    LaunchSpec,
    ShardHandle,
)
from harness.system.containers import docker_client, engine_address

SESSION_LABEL = "harness.session"
SHARD_LABEL = "harness.shard"
CREDENTIALS_MOUNT = "/run/harness/credentials"
RECORDS_MOUNT = "/run/harness/records"
IDLE_WEIGHT = 3  # the kernel's CPU weight for a SCHED_IDLE task (a nice-0 task's is 1024)


def engine_client() -> Any:
    """The Docker client, or a one-line error when the engine does not answer."""
    try:  # the client asks the engine its API version as it is made, so both can fail
        client = docker_client()
        client.ping()
    except Exception as error:  # the SDK raises requests' and its own errors alike
        raise InfrastructureError(
            f"Docker is not running at {engine_address()} ({type(error).__name__}); start it "
            "with 'harness dev up'"
        ) from None
    return client


def cpu_shares() -> int | None:
    """A niced or idle-scheduled launcher's containers get the CPU weight such a process would
    have (the kernel's 1024 / 1.25 per step of niceness), as the process launcher's children
    inherit it."""
    if os.sched_getscheduler(0) == os.SCHED_IDLE:
        return IDLE_WEIGHT
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    return max(2, round(1024 / 1.25**niceness)) if niceness > 0 else None


class DockerLauncher(Launcher):
    """Runs a shard as a container on the host's network (never a bridge)."""

    name = "docker"
    credentials_path = Path(CREDENTIALS_MOUNT)

    def launch(self, spec: LaunchSpec) -> ShardHandle:
        """Run the image detached with labels, limits and the credentials directory read-only."""
        import docker.errors

        if not spec.image:
            raise UsageError("the docker launcher needs an image (--image)")
        client = engine_client()
        env = {**spec.env, SESSION_ENV: spec.session, SHARD_ENV: spec.shard}
        volumes = {}
        if spec.credentials_dir:
            env[CREDENTIALS_ENV] = CREDENTIALS_MOUNT
            volumes[str(spec.credentials_dir)] = {"bind": CREDENTIALS_MOUNT, "mode": "ro"}
        if spec.writable_dir:
            volumes[str(spec.writable_dir)] = {"bind": RECORDS_MOUNT, "mode": "rw"}
        try:  # create + start, never run: run would pull a missing image from a registry
            container = client.containers.create(
                spec.image, spec.argv or None, network_mode="host",
                name=f"harness-{spec.session}-{spec.shard}",
                labels={SESSION_LABEL: spec.session, SHARD_LABEL: spec.shard},
                environment=env, volumes=volumes, mem_limit=spec.memory_limit,
                nano_cpus=int(spec.cpus * 1e9) if spec.cpus else None, cpu_shares=cpu_shares(),
                stop_signal="SIGTERM",
            )
        except docker.errors.ImageNotFound:
            raise UsageError(
                f"image {spec.image!r} not found; build it with 'harness image build'"
            ) from None
        container.start()
        return ShardHandle(self.name, spec.session, spec.shard, container.id)

    def _container(self, handle: ShardHandle) -> Any:
        import docker.errors

        try:
            return engine_client().containers.get(handle.ref)
        except docker.errors.NotFound:
            return None

    def alive(self, handle: ShardHandle) -> bool:
        """True while the container is running."""
        container = self._container(handle)
        return container is not None and container.status == "running"

    def stop(self, handle: ShardHandle, grace: float = 10) -> None:
        """docker stop (SIGTERM, then SIGKILL after grace) and remove the container."""
        container = self._container(handle)
        if container is None:
            return
        if container.status == "running":
            container.stop(timeout=int(grace))
        container.remove(force=True)

    def logs(self, handle: ShardHandle, follow: bool = False) -> Iterator[str]:
        """The container's output; with follow, streamed until it exits."""
        container = self._container(handle)
        if container is None:
            return
        if follow:
            pending = b""
            for chunk in container.logs(stream=True, follow=True):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                yield from (line.decode(errors="replace") for line in lines)
            if pending:
                yield pending.decode(errors="replace")
        else:
            yield from container.logs().decode(errors="replace").splitlines()

    def discover(self) -> list[ShardHandle]:
        """Every container, running or not, that carries a harness session label."""
        containers = engine_client().containers.list(all=True, filters={"label": SESSION_LABEL})
        return [ShardHandle(self.name, c.labels[SESSION_LABEL], c.labels.get(SHARD_LABEL, ""),
                            c.id) for c in containers]


LAUNCHER_CLASS = DockerLauncher
