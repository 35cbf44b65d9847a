"""One redactor scrubs every issued secret from log records, exceptions and reports."""

import logging

import pytest

from credentials.redaction import MASK, RedactingFilter, Redactor, scrubbed_errors


def test_scrubs_text_data_and_url_quoted_forms() -> None:
    redactor = Redactor()
    redactor.add("s3cr/et+pw", None, "", "ab")
    assert redactor.scrub("url rabbit://u:s3cr%2Fet%2Bpw@h/") == f"url rabbit://u:{MASK}@h/"
    assert redactor.scrub_data({"k": ["s3cr/et+pw", 3]}) == {"k": [MASK, 3]}
    assert redactor.scrub("ab stays") == "ab stays"  # too short to be a Vault secret


def test_log_filter_scrubs_message_args_and_traceback(caplog: pytest.LogCaptureFixture) -> None:
    redactor = Redactor()
    redactor.add("hunter2-secret")
    logger = logging.getLogger("test.redaction")
    logger.addFilter(RedactingFilter(redactor))
    try:
        with caplog.at_level(logging.INFO):
            logger.info("password=%s", "hunter2-secret")
            try:
                raise ValueError("hunter2-secret")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()
    assert "hunter2-secret" not in caplog.text
    assert caplog.text.count(MASK) >= 2


def test_exceptions_leave_scrubbed() -> None:
    redactor = Redactor()
    redactor.add("hunter2-secret")
    with pytest.raises(KeyError) as caught, scrubbed_errors(redactor):
        raise KeyError("no hunter2-secret here")
    assert "hunter2-secret" not in str(caught.value)
