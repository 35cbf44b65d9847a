"""A throwaway cloud (its own vhost, MariaDB database and Vault mounts) for scale jobs."""

from tests.integration.shards.conftest import shard_cloud

__all__ = ["shard_cloud"]
