import io
import json
import logging

import pytest
import structlog

from finplat.core.context import request_id_var
from finplat.observability import configure_logging


@pytest.fixture
def log_stream():
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(level="INFO", json_output=True, stream=stream)
    yield stream
    root.handlers, root.level = saved_handlers, saved_level
    structlog.reset_defaults()


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_stdlib_log_line_with_personal_data_is_masked(log_stream) -> None:
    logging.getLogger("finplat.test").warning(
        "kyc for %s with id %s and card %s",
        "13812345678", "11010519491231002X", "6222020200112233445")
    (line,) = _lines(log_stream)
    assert "13812345678" not in line["event"] and "138****5678" in line["event"]
    assert "11010519491231002X" not in line["event"] and "1****************X" in line["event"]
    assert "6222020200112233445" not in line["event"]
    assert line["level"] == "warning" and line["logger"] == "finplat.test"


def test_structlog_keys_are_masked_and_secrets_dropped(log_stream) -> None:
    structlog.get_logger("finplat.test").info(
        "verified", phone="13912345678", id_number="440524188001010014", real_name="张三丰",
        bank_card_number="6222020200112233", email="alice@example.com", password="hunter2",
        access_token="abc.def", details={"note": "call 13700001111", "token": "x"})
    (line,) = _lines(log_stream)
    assert line["phone"] == "139****5678"
    assert line["id_number"] == "4****************4"
    assert line["real_name"] == "张**"
    assert line["bank_card_number"] == "622202******2233"
    assert line["email"] == "a***@example.com"
    assert "password" not in line and "access_token" not in line
    assert line["details"] == {"note": "call 137****1111"}
    assert "hunter2" not in log_stream.getvalue()


def test_log_lines_carry_the_request_id(log_stream) -> None:
    token = request_id_var.set("req-42")
    try:
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "203.0.113.1:5000", "GET", "/api/v1/x?phone=13812345678",
            "1.1", 200)
    finally:
        request_id_var.reset(token)
    (line,) = _lines(log_stream)
    assert line["request_id"] == "req-42"
    assert "13812345678" not in line["event"]


def test_exceptions_are_rendered_and_masked(log_stream) -> None:
    try:
        raise ValueError("bad id 11010519491231002X")
    except ValueError:
        logging.getLogger("finplat.test").exception("failed")
    (line,) = _lines(log_stream)
    assert "ValueError" in line["exception"]
    assert "11010519491231002X" not in line["exception"]
