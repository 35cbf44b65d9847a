"""Vault/OpenBao-issued credentials for shards: scoped, delivered to the shard alone, revoked."""
