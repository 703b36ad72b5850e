"""The shared HTTP layer: retries, Retry-After forms, pacing, error mapping, redaction."""

from __future__ import annotations

import logging
import time
from email.utils import formatdate

import pytest
from requests import Response

from sources._shared.errors import InvalidJSONError, ProviderError
from sources._shared.http.pacing import RatePacer, parse_rate_limit_headers
from sources._shared.http.redaction import redact, register_secret
from sources._shared.http.retry import parse_retry_after
from tests.harness import Harness, raised


def response_with(headers: dict[str, str], status: int = 200) -> Response:
    response = Response()
    response.status_code = status
    response.headers.update(headers)
    return response


def test_split_rate_limit_headers() -> None:
    assert parse_rate_limit_headers(response_with({"RateLimit-Remaining": "7", "RateLimit-Reset": "12"})) == (7, 12.0)


@pytest.mark.parametrize("value", ["limit=100, remaining=3, reset=30", '"default";r=3;t=30'])
def test_combined_ietf_rate_limit_header(value: str) -> None:
    assert parse_rate_limit_headers(response_with({"RateLimit": value})) == (3, 30.0)


def test_retry_after_both_forms() -> None:
    assert parse_retry_after("7") == 7.0
    in_ten = parse_retry_after(formatdate(time.time() + 10, usegmt=True))
    assert in_ten is not None and 8.0 <= in_ten <= 10.0
    assert parse_retry_after("soon") is None


class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rolling_window_pacer_never_exceeds_the_limit() -> None:
    t = FakeTime()
    pacer = RatePacer(max_requests=3, per_seconds=10, sleep=t.sleep, clock=lambda: t.now)
    sent = []
    for _ in range(7):
        pacer.before_request()
        sent.append(t.now)
    for i in range(len(sent)):
        assert sum(1 for s in sent if sent[i] <= s < sent[i] + 10) <= 3
    assert sent == [0, 0, 0, 10, 10, 10, 20]


def test_pacer_waits_for_the_reset_when_the_budget_is_spent() -> None:
    t = FakeTime()
    pacer = RatePacer(reserve=1, sleep=t.sleep, clock=lambda: t.now)
    pacer.after_response(response_with({"RateLimit-Remaining": "5", "RateLimit-Reset": "4"}))
    pacer.before_request()
    assert t.slept == []
    pacer.after_response(response_with({"RateLimit-Remaining": "1", "RateLimit-Reset": "4"}))
    pacer.before_request()
    assert t.slept and 4.0 <= t.slept[0] <= 4.1


def test_error_message_names_everything_and_no_secret() -> None:
    register_secret("s3cr3t-value-123")
    error = ProviderError("hollyhr", "refused s3cr3t-value-123", status=401, code="authentication_required",
                          request_id="req_42", hint="check sources.hollyhr.api_token", resource="people")
    text = str(error)
    assert text.startswith("hollyhr [people]: 401 authentication_required: refused ***")
    assert "(request_id req_42)" in text and "check sources.hollyhr.api_token" in text
    assert "s3cr3t-value-123" not in text + repr(error)


def test_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("another-secret-456")
    with caplog.at_level(logging.INFO):
        logging.getLogger("dlt").warning("token is %s", "another-secret-456")
    assert "another-secret-456" not in caplog.text
    assert redact("x another-secret-456 y") == "x *** y"


def test_http_date_retry_after_over_real_http(harness: Harness) -> None:
    app = harness.start("hollyhr", people=10)
    # the date is set before the run starts: building the pipeline on a busy machine took over 3 s, so
    # 10 s ahead keeps the date in the future when the first request is answered
    app.inject("/people", "429", times=1, retry_after=formatdate(time.time() + 10, usegmt=True))
    harness.run("hollyhr", resources=["people"])
    first, second = app.requests("/people")[:2]
    assert first.status == 429 and second.status == 200
    assert (second.at - first.at).total_seconds() >= 1.0  # the date's wait, not the 0.05 s backoff cap


def test_truncated_json_is_retried(harness: Harness) -> None:
    app = harness.start("hollyhr", people=10)
    app.inject("/people", "truncated", times=1)
    result = harness.run("hollyhr", resources=["people"])
    assert [e.fault for e in app.requests("/people")] == ["truncated", None]
    assert result.rows["people"] == 10


def test_truncated_json_every_time_fails_clearly(harness: Harness) -> None:
    app = harness.start("hollyhr", people=10)
    harness.setenv("SOURCES__HOLLYHR__MAX_ATTEMPTS", "2")
    app.inject("/people", "truncated", times=5)
    with pytest.raises(Exception) as failure:
        harness.run("hollyhr", resources=["people"])
    error = raised(failure.value, InvalidJSONError)
    assert "hollyhr [people]" in str(error) and "GET /api/v1/people" in str(error)
    assert "not valid JSON" in str(error) and "request_id req_" in str(error)
    assert len(app.requests("/people")) == 2
