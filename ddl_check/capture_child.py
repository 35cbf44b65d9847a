"""The capture inside the project's own interpreter (`--python`): JSON request, JSON answer."""

import json
import os
import sys
from pathlib import Path

from ddl_check.alembic_capture import run_request
from ddl_check.errors import DDLCheckError, ScratchUnavailable

URL_ENV = "DDL_CHECK_CAPTURE_URL"  # the scratch URL carries a password: never in argv


def main(request_file: str, answer_file: str) -> int:
    """Answer one request; a checker error becomes {"error": {kind, message}}."""
    request = json.loads(Path(request_file).read_text(encoding="utf-8"))
    request["url"] = os.environ.get(URL_ENV)
    try:
        answer = run_request(request)
    except ScratchUnavailable as error:
        answer = {"error": {"kind": "unavailable", "message": str(error)}}
    except DDLCheckError as error:
        answer = {"error": {"kind": "migration", "message": str(error)}}
    except ModuleNotFoundError as error:  # alembic, SQLAlchemy or the driver (revisions: above)
        message = (
            f"{sys.executable} cannot import {error.name!r}, which the capture needs: "
            "install it in the project's environment"
        )
        answer = {"error": {"kind": "migration", "message": message}}
    Path(answer_file).write_text(json.dumps(answer), encoding="utf-8")
    return 0
