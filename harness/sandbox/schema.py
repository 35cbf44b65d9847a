"""The sandbox cloud's tables, a small subset of nova's, in SQLAlchemy Core."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

instances = Table(
    "instances",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("display_name", String(255)),
    Column("user_id", String(255)),
    Column("project_id", String(255)),
    Column("host", String(255), index=True),
    Column("node", String(255)),
    Column("vm_state", String(255), nullable=False),
    Column("task_state", String(255)),
    Column("power_state", Integer, nullable=False, default=0),
    Column("memory_mb", Integer, nullable=False),
    Column("vcpus", Integer, nullable=False),
    Column("root_gb", Integer, nullable=False),
    Column("image_ref", String(255)),
    Column("fault", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    Column("launched_at", DateTime),
    Column("terminated_at", DateTime),
    Column("deleted", Boolean, nullable=False, default=False),
)

services = Table(
    "services",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("host", String(255), nullable=False),
    Column("binary", String(255), nullable=False),
    Column("topic", String(255)),
    Column("report_count", Integer, nullable=False, default=0),
    Column("version", Integer, nullable=False, default=0),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    UniqueConstraint("host", "binary", name="uniq_services0host0binary"),
)

compute_nodes = Table(
    "compute_nodes",
    metadata,
    Column("host", String(255), primary_key=True),
    Column("hypervisor_type", String(255), nullable=False),
    Column("memory_mb", Integer, nullable=False),
    Column("memory_mb_used", Integer, nullable=False),
    Column("vcpus", Integer, nullable=False),
    Column("vcpus_used", Integer, nullable=False),
    Column("local_gb", Integer, nullable=False),
    Column("local_gb_used", Integer, nullable=False),
    Column("running_vms", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
