"""Launchers: one interface, one module per way of running a shard (process, docker)."""

from harness.launchers.base import Launcher, LaunchSpec, ShardHandle, get_launcher

__all__ = ["LaunchSpec", "Launcher", "ShardHandle", "get_launcher"]
