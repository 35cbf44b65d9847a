"""A shadow handles each instance's messages in arrival order, other instances alongside."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from harness.bus.messages import Incoming
from harness.hollow.ordering import PerInstanceOrder


def _about(uuid: str, method: str) -> Incoming:
    instance = {"nova_object.name": "Instance", "nova_object.data": {"uuid": uuid}}
    return Incoming(method, {"instance": instance}, {}, "6.0")


def test_one_instance_in_order_even_when_the_first_is_slow() -> None:
    done: list[str] = []
    other_ran = threading.Event()

    def handle(incoming: Incoming) -> str:
        if incoming.method == "build":
            assert other_ran.wait(5)  # another instance runs meanwhile
            time.sleep(0.05)
        if incoming.method == "other":
            other_ran.set()
        done.append(incoming.method)
        return incoming.method

    with ThreadPoolExecutor(4) as pool:
        order = PerInstanceOrder(pool)
        futures = [order.submit(handle, _about("a", "build")),
                   order.submit(handle, _about("a", "console")),
                   order.submit(handle, _about("b", "other"))]
        assert [f.result(timeout=5) for f in futures] == ["build", "console", "other"]
    assert done == ["other", "build", "console"]


def test_a_failure_reaches_its_future_and_the_next_task_still_runs() -> None:
    def handle(incoming: Incoming) -> str:
        if incoming.method == "boom":
            raise RuntimeError("boom")
        return incoming.method

    with ThreadPoolExecutor(2) as pool:
        order = PerInstanceOrder(pool)
        failing = order.submit(handle, _about("a", "boom"))
        after = order.submit(handle, _about("a", "next"))
        unkeyed = order.submit(handle, Incoming("ping", {}, {}, "6.0"))
        assert isinstance(failing.exception(timeout=5), RuntimeError)
        assert after.result(timeout=5) == "next" and unkeyed.result(timeout=5) == "ping"
