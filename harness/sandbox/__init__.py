"""The sandbox cloud: conductor, scheduler, image and network services, traffic generator.

`SandboxCloud(bus_url, control_exchange, database_url)` or `SandboxCloud.from_cloud(cloud)`,
with start()/stop(), `.endpoints`, `.api`, `.board`, `.traffic(steps, timeout)`, `.status()`.
"""

from harness.sandbox.cloud import DEFAULT_IMAGE, SandboxCloud, SandboxOptions
from harness.sandbox.latency import LatencyBook
from harness.sandbox.traffic import TrafficGenerator

__all__ = ["DEFAULT_IMAGE", "LatencyBook", "SandboxCloud", "SandboxOptions", "TrafficGenerator"]
