"""Request contexts shaped like nova's RequestContext.to_dict(), as they travel in `_context_*`."""

import datetime
import uuid
from typing import Any


def request_id() -> str:
    """A request id the way oslo.context makes one: "req-" and a uuid4."""
    return f"req-{uuid.uuid4()}"


def request_context(user_id: str, project_id: str, *, is_admin: bool = False,
                    request: str | None = None,
                    global_request_id: str | None = None) -> dict[str, Any]:
    """A context dict with nova's keys (no auth token: the sandbox has no keystone)."""
    rid = request or request_id()
    return {
        "user_id": user_id,
        "project_id": project_id,
        "user": user_id,
        "tenant": project_id,
        "domain_id": None,
        "user_domain_id": "default",
        "project_domain_id": "default",
        "is_admin": is_admin,
        "is_admin_project": True,
        "read_only": False,
        "show_deleted": False,
        "read_deleted": "no",
        "request_id": rid,
        "global_request_id": global_request_id,
        "resource_uuid": None,
        "roles": ["admin", "member", "reader"] if is_admin else ["member", "reader"],
        "user_identity": f"{user_id} {project_id} - default default",
        "user_name": user_id,
        "project_name": project_id,
        "remote_address": "127.0.0.1",
        "timestamp": datetime.datetime.now(datetime.UTC).replace(tzinfo=None).isoformat(),
        "quota_class": None,
        "service_catalog": [],
    }


def admin_context() -> dict[str, Any]:
    """The context a service's own periodic work runs under (nova's get_admin_context)."""
    return request_context("", "", is_admin=True)
