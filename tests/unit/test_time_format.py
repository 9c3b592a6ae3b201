"""One time format for the whole API: ISO 8601 in UTC with milliseconds and `Z`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from vwed.db.base import from_iso, iso
from vwed.logs.schemas import utc_stamp
from vwed.runtime.registry import Registrations, Registry
from vwed.scripts.service import host_time


def test_stored_naive_times_and_aware_times_format_alike() -> None:
    assert iso(datetime(2026, 12, 1, 12, 0, 0)) == "2026-12-01T12:00:00.000Z"
    shanghai = timezone(timedelta(hours=8))
    assert iso(datetime(2026, 12, 1, 20, 0, 0, 123456, tzinfo=shanghai)) == "2026-12-01T12:00:00.123Z"
    assert utc_stamp(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == "2026-12-01T12:00:00.000Z"
    assert iso(None) is None


def test_times_a_script_process_sends_are_normalised_at_the_host() -> None:
    moment = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert host_time(moment.timestamp()) == "2026-12-01T12:00:00.123Z"
    assert host_time(0) == "1970-01-01T00:00:00.000Z"
    for nonsense in ("2026-12-01T12:00:00Z", None, True, -1.0, float("nan"), float("inf"), 1e15, [1]):
        now = host_time(nonsense)
        assert from_iso(now) is not None, nonsense
        assert abs((from_iso(now) or moment) - datetime.now(UTC)) < timedelta(minutes=1), nonsense
        assert len(now) == len("2026-12-01T12:00:00.000Z")


def test_a_script_can_end_only_its_own_timers() -> None:
    registry = Registry()
    timer = {"timer": 1, "name": "soon", "kind": "once", "interval_seconds": 0, "delay_seconds": 1}
    for script_id in ("a.py_1_00000000", "b.py_1_00000000"):
        registry.add(script_id, None, Registrations.parse({"timers": [timer]}), "2026-12-01T12:00:00.000Z")
    assert not registry.end_timer("a.py_1_00000000", 2)
    assert registry.end_timer("a.py_1_00000000", 1)
    assert not registry.end_timer("a.py_1_00000000", 1)
    assert list(registry.timers) == ["b.py_1_00000000:timer:1"]
