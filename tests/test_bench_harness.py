"""bench/harness.py: reading wrk's output (the harness itself runs in CI as bench/run --quick)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parent.parent / "bench" / "harness.py"
spec = importlib.util.spec_from_file_location("bench_harness", HARNESS)
harness = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = harness  # dataclasses look their module up there
spec.loader.exec_module(harness)

WRK_OUTPUT = """Running 15s test @ http://127.0.0.1:8000/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.05ms    3.10ms  58.20ms   80.00%
    Req/Sec   331.52     40.10   410.00     70.00%
  Latency Distribution
     50%  850.00us
     75%   13.50ms
     90%   16.00ms
     99%    1.20s
  9934 requests in 15.02s, 98.27MB read
  Socket errors: connect 0, read 9934, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:    661.41
Transfer/sec:      6.54MB
"""


def test_parse_wrk_reads_rate_latency_in_any_unit_and_errors():
    result = harness.parse_wrk(WRK_OUTPUT)
    assert result.rps == pytest.approx(661.41)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.requests == 9934
    # Non-2xx answers and timeouts count; read errors (sync workers closing) do not.
    assert result.errors == 5


def test_unreadable_wrk_output_is_a_harness_error():
    with pytest.raises(harness.HarnessError):
        harness.parse_wrk("wrk: unable to connect")


def test_a_missing_page_is_reported_not_measured():
    missing = harness.Page("search", "Search", "/search?q=x", status=404)
    table, passed, failed = harness.render_table([missing], [])
    assert "MISSING (404)" in table
    assert (passed, failed) == (0, 0)


def test_targets_are_judged_per_page():
    fast = harness.Measurement(rps=80, p50_ms=10, p99_ms=20, requests=800, errors=0)
    reference = harness.Measurement(rps=100, p50_ms=5, p99_ms=10, requests=1000, errors=0)
    page = harness.Page("thread", "Thread", "/threads/1-x", status=200, queries=7,
                        runs=[fast], reference_runs=[reference])  # fmt: skip
    checks = dict(harness.summarise(page).checks)
    assert checks == {">= 0.5x ref": True, "p99 < 40 ms": True, "<= 6 queries": False}
