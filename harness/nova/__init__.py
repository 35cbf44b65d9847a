"""Real nova: a local control plane from PyPI, and real nova-compute wired in as a shard."""
