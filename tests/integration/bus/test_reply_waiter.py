"""A call waiting for its reply when the transport closes fails then, not at its timeout."""

import threading

import pytest

from harness.bus import MessagingError, MessagingTimeout, RPCClient, Target, Transport
from tests.background import in_background


def test_closing_the_transport_fails_a_waiting_call_at_once(transport: Transport) -> None:
    sent = threading.Event()
    transport.observers.append(lambda message: sent.set() if message.kind == "call" else None)
    client = RPCClient(transport, Target(topic="nobody", version="1.0"), timeout=600)
    caller, raised = in_background(lambda: client.call({}, "ping"))
    assert sent.wait(30)  # the call listens before it publishes: it is waiting now
    transport.close()
    caller.join(30)

    assert not caller.is_alive(), "the call still waits for its 600 s timeout"
    assert len(raised) == 1 and type(raised[0]) is MessagingError, raised
    assert "was closed while waiting" in str(raised[0])


def test_a_call_after_close_gets_a_new_reply_queue_and_its_own_timeout(
        transport: Transport) -> None:
    transport.close()
    client = RPCClient(transport, Target(topic="nobody", version="1.0"), timeout=0.3)
    with pytest.raises(MessagingTimeout):  # not "closed while waiting"
        client.call({}, "ping")
