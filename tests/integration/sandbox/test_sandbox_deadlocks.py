"""Hundreds of shards reporting in at once on MariaDB: the deadlocks InnoDB answers some of the
concurrent first saves with are retried, and every save lands."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from harness.sandbox.schema import compute_nodes, services
from harness.sandbox.store import Store, open_engine

HOSTS = 300


def test_simultaneous_first_reports_all_land(mariadb_database: str) -> None:
    engine = open_engine(mariadb_database)
    store = Store(engine)

    def report_in(index: int) -> None:
        host = f"burst-{index}"
        store.upsert_service(host, "nova-compute", {"report_count": 0})
        store.upsert_compute_node(host, {"hypervisor_type": "hollow", "memory_mb": 8192,
                                         "memory_mb_used": 0, "vcpus": 8, "vcpus_used": 0,
                                         "local_gb": 100, "local_gb_used": 0,
                                         "running_vms": 0})
        store.upsert_service(host, "nova-compute", {"report_count": 1})

    try:
        with ThreadPoolExecutor(32) as pool:
            list(pool.map(report_in, range(HOSTS)))
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(services)).scalar() == HOSTS
            assert conn.execute(select(func.count()).select_from(compute_nodes)).scalar() == HOSTS
            assert set(conn.execute(select(services.c.report_count)).scalars()) == {1}
    finally:
        engine.dispose()
