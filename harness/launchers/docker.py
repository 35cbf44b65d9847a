"""The docker launcher: host networking (or, given allowed endpoints, no network but what a gate
lets in), labels naming session and shard, credentials mounted ro, hardened: the shard's own
unprivileged uid, no capabilities, a read-only root."""

import os
from collections.abc import Iterator
from typing import Any

from harness.errors import InfrastructureError, UsageError
from harness.launchers import identity
from harness.launchers.base import (
    CREDENTIALS_ENV,
    CREDENTIALS_MOUNT,
    RECORDS_MOUNT,
    SCRATCH,
    SESSION_ENV,
    SHARD_ENV,
    Launcher,
    LaunchSpec,
    ShardHandle,
    launcher_marks,
)
from harness.launchers.gate import READY_DIR, WAIT_FOR_GATE, gate_running, ready_dir
from harness.system.containers import docker_client, engine_address

SESSION_LABEL = "harness.session"
SHARD_LABEL = "harness.shard"
STATE_LABEL = "harness.state"  # the launching harness (see STATE_ENV)
LAUNCHED_BY_LABEL = "harness.launched-by"
IDLE_WEIGHT = 3  # the kernel's CPU weight for a SCHED_IDLE task (a nice-0 task's is 1024)
PIDS_LIMIT = 512  # processes and threads of one container
SCRATCH_TMPFS = "rw,nosuid,nodev,size=256m,mode=1777"


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


def _waiting_for_gate(client: Any, spec: LaunchSpec) -> tuple[list[str], list[str]]:
    """The entrypoint and command that run the image's own once its gate is ready."""
    config = client.images.get(spec.image).attrs["Config"]
    own = [*(config.get("Entrypoint") or []), *(spec.argv or config.get("Cmd") or [])]
    return ["/bin/sh", "-c", WAIT_FOR_GATE, "gate"], own


def _container_uid(container: Any) -> int | None:
    """The numeric uid a container runs as, None for an image's default user."""
    user = str(container.attrs.get("Config", {}).get("User") or "").partition(":")[0]
    return int(user) if user.isdigit() else None


def _handle(container: Any, uid: int | None) -> ShardHandle:
    """A container's handle, read from its labels."""
    labels = container.labels
    return ShardHandle("docker", labels[SESSION_LABEL], labels.get(SHARD_LABEL, ""), container.id,
                       "", uid, labels.get(STATE_LABEL, ""), labels.get(LAUNCHED_BY_LABEL, ""))


def _unstartable(spec: LaunchSpec, error: Any) -> str:
    """Why the engine would not start a shard's container, for people: an image whose
    entrypoint does not run the shard (say, the base image given as a hollow image) is named."""
    why = str(getattr(error, "explanation", None) or error)
    why = why.split("exec: ", 1)[-1].removesuffix(": unknown")
    return (f"image {spec.image!r} cannot start shard {spec.shard}: {why}; a hollow shard's "
            "image runs `harness hollow run` as its entrypoint (see `harness image build`)")


class DockerLauncher(Launcher):
    """Runs a shard as a container on the host's network (never a bridge)."""

    name = "docker"

    def launch(self, spec: LaunchSpec) -> ShardHandle:
        """Run the image detached with labels and limits, as the shard's own uid, with the
        credentials directory read-only and only /tmp and the records directory writable."""
        if not spec.image:
            raise UsageError("the docker launcher needs an image (--image)")
        import docker.errors

        client = engine_client()
        with identity.claimed_for(spec.credentials_dir, spec.writable_dir) as shard_id:
            container = self._create(client, spec, shard_id)
            try:
                try:
                    container.start()
                except docker.errors.APIError as error:
                    raise UsageError(_unstartable(spec, error)) from None
                container.reload()
                pid = int(container.attrs["State"]["Pid"])
                if spec.allowed_endpoints is not None and pid:
                    gate_running(spec, spec.allowed_endpoints, pid)
            except BaseException:
                container.remove(force=True)
                raise
            identity.hold(shard_id, pid or os.getpid())
        return _handle(container, shard_id.uid)

    @staticmethod
    def _create(client: Any, spec: LaunchSpec, shard_id: identity.ShardIdentity) -> Any:
        """Create (never run: run would pull a missing image from a registry) the container."""
        import docker.errors

        state, launched_by = launcher_marks()
        env = {**spec.env, SESSION_ENV: spec.session, SHARD_ENV: spec.shard, "HOME": SCRATCH}
        volumes = {}
        if spec.credentials_dir:
            env[CREDENTIALS_ENV] = CREDENTIALS_MOUNT
            volumes[str(spec.credentials_dir)] = {"bind": CREDENTIALS_MOUNT, "mode": "ro"}
        if spec.writable_dir:
            volumes[str(spec.writable_dir)] = {"bind": RECORDS_MOUNT, "mode": "rw"}
        for shared in spec.shared_dirs:
            volumes[str(shared)] = {"bind": str(shared), "mode": "ro"}
        network, entrypoint, command = "host", None, spec.argv or None
        try:
            if spec.allowed_endpoints is not None:  # no network until its gate is in place
                network, (entrypoint, command) = "none", _waiting_for_gate(client, spec)
                volumes[str(ready_dir(spec))] = {"bind": READY_DIR, "mode": "ro"}
            return client.containers.create(
                spec.image, command, entrypoint=entrypoint, network_mode=network,
                name=f"harness-{spec.session}-{spec.shard}",
                labels={SESSION_LABEL: spec.session, SHARD_LABEL: spec.shard,
                        STATE_LABEL: state, LAUNCHED_BY_LABEL: launched_by},
                environment=env, volumes=volumes, mem_limit=spec.memory_limit,
                nano_cpus=int(spec.cpus * 1e9) if spec.cpus else None, cpu_shares=cpu_shares(),
                stop_signal="SIGTERM", user=f"{shard_id.uid}:{shard_id.gid}", group_add=[],
                cap_drop=["ALL"], security_opt=["no-new-privileges:true"], read_only=True,
                tmpfs={SCRATCH: SCRATCH_TMPFS}, pids_limit=PIDS_LIMIT,
            )
        except docker.errors.ImageNotFound:
            raise UsageError(
                f"image {spec.image!r} not found; build it with 'harness image build'"
            ) from None

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
        if container is not None:
            if container.status == "running":
                container.stop(timeout=int(grace))
            container.remove(force=True)
        identity.release(handle.uid)

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
        return [_handle(c, _container_uid(c)) for c in containers]


LAUNCHER_CLASS = DockerLauncher
