"""`python -m harness.nova.standins IMAGE_PORT NETWORK_PORT`: the sandbox's image and network
services as a daemon, answering the local nova cloud as glance and neutron do."""

import signal
import sys
import threading

from harness.sandbox.image_service import ImageService
from harness.sandbox.network_service import NetworkService


def main(argv: list[str]) -> None:
    """Serve both until SIGTERM or SIGINT."""
    image_port, network_port = (int(a) for a in argv)
    image, network = ImageService(), NetworkService()
    image.start(image_port)
    network.start(network_port)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    image.stop()
    network.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
