"""The broker patterns: a production host reaches its own queues and nobody else's."""

import re
import uuid

import pytest

from credentials.rabbitmq_permissions import production_permissions, shadow_permissions

GRANT = production_permissions("/", "cmp-1.example", "nova")
# Shaped as oslo names them (a uuid4's hex), fixed so every xdist worker collects the same ids.
REPLY = f"reply_{uuid.uuid5(uuid.NAMESPACE_URL, 'reply').hex}"
FANOUT = f"compute_fanout_{uuid.uuid5(uuid.NAMESPACE_URL, 'fanout').hex}"


def allowed(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None  # RabbitMQ searches, unanchored, like re.search


@pytest.mark.parametrize("name", ["compute", "compute.cmp-1.example", FANOUT, REPLY])
def test_own_queues_can_be_declared_bound_and_consumed(name: str) -> None:
    assert all(allowed(p, name) for p in (GRANT.configure, GRANT.write, GRANT.read))


@pytest.mark.parametrize("name", [
    "compute.cmp-2", "compute.cmp-1.example.evil", "compute.cmp-1Xexample", "xcompute",
    "compute_fanout_zz", "reply_", f"{REPLY}x", "conductor", "notifications.infox",
])
def test_other_queues_are_out_of_reach(name: str) -> None:
    assert not any(allowed(p, name) for p in (GRANT.configure, GRANT.read))


@pytest.mark.parametrize("name", ["notifications.info", "notifications.error"])
def test_notification_queues_can_be_declared_as_oslo_does_but_never_consumed(name: str) -> None:
    assert allowed(GRANT.configure, name) and allowed(GRANT.write, name)
    assert not allowed(GRANT.read, name)


def test_publishes_to_control_fanout_and_default_exchanges_only() -> None:
    for exchange in ("nova", "compute_fanout", "amq.default"):
        assert allowed(GRANT.write, exchange)
    for exchange in ("amq.topic", "neutron", "novax"):
        assert not allowed(GRANT.write, exchange)
    assert not allowed(GRANT.configure, "amq.default")


def test_shadow_owns_its_vhost_and_names_no_other() -> None:
    grant = shadow_permissions("shadow.s1.cmp-1")
    assert list(grant.as_role_entry()) == ["shadow.s1.cmp-1"]
    assert grant.configure == grant.write == grant.read == ".*"


def test_a_process_of_many_shards_reaches_its_numbered_hosts_only() -> None:
    numbered = production_permissions("/", "scale-ab-0f", "nova", numbered=True)
    for name in ("compute.scale-ab-0f-0", "compute.scale-ab-0f-249"):
        assert allowed(numbered.read, name) and allowed(numbered.configure, name)
    for name in ("compute.scale-ab-0f", "compute.scale-ab-0f-x", "compute.scale-ab-0f-1-2",
                 "compute.scale-ab-0r-1"):
        assert not allowed(numbered.read, name), name
