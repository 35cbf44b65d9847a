"""Choosing the endpoint method for a request by namespace, version and name, as oslo does."""

from collections.abc import Sequence
from typing import Any

from harness.bus.exceptions import NoSuchMethod, UnsupportedVersion
from harness.bus.messages import Incoming
from harness.bus.topology import Target
from harness.bus.versions import version_is_compatible

_DEFAULT_TARGET = Target()


def endpoint_target(endpoint: object) -> Target:
    """An endpoint's `target` attribute (version, namespace), or the default (1.0, none)."""
    target = getattr(endpoint, "target", None)
    return target if isinstance(target, Target) else _DEFAULT_TARGET


class Dispatcher:
    """Calls `method(ctxt, **args)` on the first endpoint serving the request's namespace and
    version; NoSuchMethod when a compatible endpoint lacks it, else UnsupportedVersion.

    Like oslo's default access policy, names starting with `_` are never dispatched.
    """

    def __init__(self, endpoints: Sequence[object]) -> None:
        self.endpoints = list(endpoints)

    def dispatch(self, incoming: Incoming) -> Any:
        """Run the request on its endpoint and return the result (exceptions propagate)."""
        found_compatible = False
        for endpoint in self.endpoints:
            target = endpoint_target(endpoint)
            if target.namespace != incoming.namespace:
                continue
            if not version_is_compatible(target.version or "1.0", incoming.version):
                continue
            method = getattr(endpoint, incoming.method, None)
            if callable(method) and not incoming.method.startswith("_"):
                return method(incoming.ctxt, **incoming.args)
            found_compatible = True
        if found_compatible:
            raise NoSuchMethod(incoming.method)
        raise UnsupportedVersion(incoming.version, method=incoming.method)
