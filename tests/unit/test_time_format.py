"""One time format for the whole API: ISO 8601 in UTC with milliseconds and `Z`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from vwed.db.base import from_iso, iso
from vwed.logs.schemas import utc_stamp
from vwed.scripts.service import host_time


def test_stored_naive_times_and_aware_times_format_alike() -> None:
    assert iso(datetime(2026, 12, 1, 12, 0, 0)) == "2026-12-01T12:00:00.000Z"
    shanghai = timezone(timedelta(hours=8))
    assert iso(datetime(2026, 12, 1, 20, 0, 0, 123456, tzinfo=shanghai)) == "2026-12-01T12:00:00.123Z"
    assert utc_stamp(datetime(2026, 12, 1, 12, 0, tzinfo=UTC)) == "2026-12-01T12:00:00.000Z"
    assert iso(None) is None


def test_times_a_script_process_sends_are_normalised_at_the_host() -> None:
    assert host_time("2026-12-01T12:00:00.123456Z") == "2026-12-01T12:00:00.123Z"
    assert host_time("2026-12-01T20:00:00+08:00") == "2026-12-01T12:00:00.000Z"
    assert host_time("2026-12-01T12:00:00") == "2026-12-01T12:00:00.000Z"
    now = host_time("not a time")
    assert from_iso(now) is not None
    assert now.endswith("Z")
    assert len(now) == len("2026-12-01T12:00:00.000Z")
