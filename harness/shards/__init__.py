"""Ad hoc shards: issue credentials, render configuration, launch, wait until ready, keep alive."""
