"""Running nova's WSGI applications (placement, nova-api) under gunicorn.

gunicorn reads its settings from a file named in GUNICORN_CMD_ARGS, never from argv: nova's
applications parse sys.argv as their own options and refuse gunicorn's.
"""

from pathlib import Path

# One line per request, tab-separated: time, method, path, query, status, the request id nova
# sends (X-Openstack-Request-Id), which ties a request to the message that caused it, and the
# User-Agent, whose first word keystoneauth makes the calling program's name (nova-compute).
ACCESS_LOG_FORMAT = ('%(t)s\t%(m)s\t%(U)s\t%(q)s\t%(s)s\t%({x-openstack-request-id}i)s\t'
                     '%(a)s')


def gunicorn_settings(application: str, address: str, access_log: Path | None = None) -> str:
    """The settings of one worker with a few threads serving `application` at `address`
    (logging each request to `access_log` when given)."""
    text = (f"wsgi_app = {application!r}\nbind = [{address!r}]\n"
            "workers = 1\nthreads = 4\nkeepalive = 75\ntimeout = 120\n")
    if access_log is not None:
        text += f"accesslog = {str(access_log)!r}\naccess_log_format = {ACCESS_LOG_FORMAT!r}\n"
    return text


def gunicorn_env(settings: Path, application: str, address: str,
                 access_log: Path | None = None) -> dict[str, str]:
    """Write the settings (see gunicorn_settings) to `settings`; the environment naming them."""
    settings.write_text(gunicorn_settings(application, address, access_log))
    return {"GUNICORN_CMD_ARGS": f"--config {settings}"}
