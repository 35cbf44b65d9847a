"""The hollow compute: nova-compute-like shards with a fake hypervisor, many per process.

`ShardSet(bus_url, control_exchange, hosts, endpoints, effects=EffectRecorder(dir), options,
shard_factory)` with start()/stop(); `HollowCompute` (subclass it to change one behaviour);
`FakeHypervisor`; `Resources`.
"""

from harness.hollow.compute import HollowCompute
from harness.hollow.effects import EffectRecorder
from harness.hollow.hypervisor import FakeHypervisor
from harness.hollow.resources import Resources
from harness.hollow.shard_set import ShardOptions, ShardSet, shard_hosts

__all__ = ["EffectRecorder", "FakeHypervisor", "HollowCompute", "Resources", "ShardOptions",
           "ShardSet", "shard_hosts"]
