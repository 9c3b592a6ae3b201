"""Fire times of time points and cron expressions per timezone, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from vwed.scheduler.schedule import ScheduleError, parse_schedule

BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def iso_times(
    schedule_type: str, expr: str | None, points: list[str] | None, tz: str, after: datetime, n: int
):
    schedule = parse_schedule(schedule_type, expr, points, tz)
    return [t.isoformat() for t in schedule.upcoming(after, n)]


def test_time_points_fire_daily_in_order_in_asia_shanghai() -> None:
    after = datetime(2026, 5, 1, 9, 0, tzinfo=SHANGHAI)
    assert iso_times("simple", None, ["12:00", "08:00", "18:30:15"], "Asia/Shanghai", after, 4) == [
        "2026-05-01T12:00:00+08:00",
        "2026-05-01T18:30:15+08:00",
        "2026-05-02T08:00:00+08:00",
        "2026-05-02T12:00:00+08:00",
    ]


def test_a_time_point_equal_to_after_fires_the_next_day() -> None:
    after = datetime(2026, 5, 1, 8, 0, tzinfo=SHANGHAI)
    assert iso_times("simple", None, ["08:00"], "Asia/Shanghai", after, 1) == ["2026-05-02T08:00:00+08:00"]


def test_five_field_cron_in_asia_shanghai_is_eight_hours_ahead_of_utc() -> None:
    schedule = parse_schedule("cron", "0 8 * * 1-5", None, "Asia/Shanghai")
    first = schedule.next_after(datetime(2026, 5, 1, 0, 0, tzinfo=UTC))  # a Friday
    assert first == datetime(2026, 5, 4, 0, 0, tzinfo=UTC)  # Monday 08:00 in Shanghai


def test_six_field_cron_takes_seconds_first() -> None:
    after = datetime(2026, 5, 1, 8, 0, 0, tzinfo=SHANGHAI)
    assert iso_times("cron", "*/20 * * * * *", None, "Asia/Shanghai", after, 3) == [
        "2026-05-01T08:00:20+08:00",
        "2026-05-01T08:00:40+08:00",
        "2026-05-01T08:01:00+08:00",
    ]


def test_berlin_spring_jump_fires_a_skipped_time_at_the_first_valid_instant() -> None:
    after = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    assert iso_times("simple", None, ["02:30"], "Europe/Berlin", after, 3) == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
        "2026-03-31T02:30:00+02:00",
    ]


def test_berlin_autumn_repeated_hour_fires_a_fixed_hour_once() -> None:
    after = datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    assert iso_times("cron", "30 2 * * *", None, "Europe/Berlin", after, 2) == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-26T02:30:00+01:00",
    ]


def test_berlin_autumn_repeated_hour_fires_a_wildcard_hour_in_both_passes() -> None:
    after = datetime(2026, 10, 25, 1, 0, tzinfo=BERLIN)
    assert iso_times("cron", "30 * * * *", None, "Europe/Berlin", after, 4) == [
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:30:00+01:00",
        "2026-10-25T03:30:00+01:00",
    ]


def test_descriptions_read_in_chinese_and_english() -> None:
    schedule = parse_schedule("cron", "0 8 * * 1-5", None, "Asia/Shanghai")
    assert schedule.describe("zh") == "周一至周五 08:00 (Asia/Shanghai)"
    assert schedule.describe("en") == "At 08:00 on Monday through Friday (Asia/Shanghai)"
    points = parse_schedule("simple", None, ["8:00", "12:00"], "Asia/Shanghai")
    assert points.describe("zh") == "每天 08:00:00、12:00:00 (Asia/Shanghai)"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("cron", "61 * * * *", None, "UTC"), "cron_expression"),
        (("cron", "* * *", None, "UTC"), "cron_expression"),
        (("cron", "", None, "UTC"), "cron_expression"),
        (("cron", "0 0 30 2 *", None, "UTC"), "cron_expression"),
        (("cron", "0 8 * * *", None, "Mars/Olympus"), "timezone"),
        (("simple", None, [], "UTC"), "time_points"),
        (("simple", None, ["25:00"], "UTC"), "time_points"),
        (("simple", None, ["8h"], "UTC"), "time_points"),
    ],
)
def test_invalid_schedules_name_their_field(
    args: tuple[str, str | None, list[str] | None, str], field: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(*args)
    assert caught.value.field == field


def test_tasks_with_the_same_schedule_and_zone_share_a_key() -> None:
    a = parse_schedule("simple", None, ["08:00", "12:00"], "UTC")
    b = parse_schedule("simple", None, ["12:00:00", "8:00"], "UTC")
    c = parse_schedule("simple", None, ["08:00", "12:00"], "Asia/Shanghai")
    assert a.key == b.key != c.key


def test_six_field_fixed_time_follows_the_same_dst_rules() -> None:
    spring = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    assert iso_times("cron", "15 30 2 * * *", None, "Europe/Berlin", spring, 2) == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:15+02:00",
    ]
    autumn = datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)
    assert iso_times("simple", None, ["02:30:15"], "Europe/Berlin", autumn, 2) == [
        "2026-10-25T02:30:15+02:00",
        "2026-10-26T02:30:15+01:00",
    ]


def test_wildcard_hour_six_field_cron_fires_in_both_autumn_passes() -> None:
    after = datetime(2026, 10, 25, 2, 50, tzinfo=BERLIN)
    times = iso_times("cron", "0 0 * * * *", None, "Europe/Berlin", after, 2)
    assert times == ["2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"]


# -- any size of DST shift, checked against an oracle that walks the clock minute by minute ------------

LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # DST moves the clocks by 30 minutes


def _field_matches(field: str, value: int) -> bool:
    """Whether one numeric cron field (`*`, `a`, `a-b`, `*/s`, `a-b/s`, lists) matches `value`."""
    for part in field.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            low, high = 0, 59
        elif "-" in base:
            low, high = (int(x) for x in base.split("-"))
        else:
            low = high = int(base)
        if low <= value <= high and (value - low) % int(step or 1) == 0:
            return True
    return False


def oracle_wildcard(expr: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[str]:
    """Every UTC minute in [start, end) whose wall-clock time in `tz` matches `expr` (minute, hour only)."""
    minute, hour, *_ = expr.split()
    out = []
    moment = start.astimezone(UTC)
    while moment < end:
        local = moment.astimezone(tz)
        if _field_matches(minute, local.minute) and _field_matches(hour, local.hour):
            out.append(local.isoformat())
        moment += timedelta(minutes=1)
    return out


def oracle_fixed(hour: int, minute: int, tz: ZoneInfo, days: list[date]) -> list[str]:
    """A fixed wall time per day: the first instant showing it, or the first one after it when skipped."""
    out = []
    for day in days:
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)
        target = datetime(day.year, day.month, day.day, hour, minute)
        while moment.astimezone(tz).replace(tzinfo=None) < target:
            moment += timedelta(minutes=1)
        out.append(moment.astimezone(tz).isoformat())
    return out


def scheduled(expr: str, tz: ZoneInfo, start: datetime, end: datetime) -> list[str]:
    schedule = parse_schedule("cron", expr, None, tz.key)
    times, cursor = [], start - timedelta(seconds=1)
    while True:
        cursor = schedule.next_after(cursor)
        if cursor >= end:
            return times
        times.append(cursor.astimezone(tz).isoformat())


SPRING_LH = datetime(2026, 10, 3, 12, 0, tzinfo=LORD_HOWE)  # 02:00 -> 02:30 on 2026-10-04
AUTUMN_LH = datetime(2026, 4, 4, 12, 0, tzinfo=LORD_HOWE)  # 02:00 -> 01:30 on 2026-04-05


@pytest.mark.parametrize("expr", ["30 * * * *", "* 2 * * *", "*/15 * * * *", "0,45 * * * *", "*/7 2 * * *"])
@pytest.mark.parametrize(
    ("tz", "start"),
    [
        (LORD_HOWE, SPRING_LH),
        (LORD_HOWE, AUTUMN_LH),
        (BERLIN, datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)),
        (BERLIN, datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN)),
        (ZoneInfo("Antarctica/Troll"), datetime(2026, 3, 28, 12, 0, tzinfo=UTC)),  # a two-hour shift
    ],
)
def test_wildcard_expressions_fire_at_every_matching_wall_minute_across_any_dst_shift(
    expr: str, tz: ZoneInfo, start: datetime
) -> None:
    end = start + timedelta(days=1)
    assert scheduled(expr, tz, start, end) == oracle_wildcard(expr, tz, start, end)


def test_lord_howe_spring_keeps_0230_and_autumn_starts_hour_two_at_its_only_0200() -> None:
    spring = scheduled("30 * * * *", LORD_HOWE, SPRING_LH, SPRING_LH + timedelta(days=1))
    assert "2026-10-04T01:30:00+10:30" in spring
    assert "2026-10-04T02:30:00+11:00" in spring
    autumn = scheduled("* 2 * * *", LORD_HOWE, AUTUMN_LH, AUTUMN_LH + timedelta(days=1))
    assert autumn[0] == "2026-04-05T02:00:00+10:30"
    assert len(autumn) == 60


@pytest.mark.parametrize(("hour", "minute"), [(2, 0), (2, 15), (2, 30), (1, 45), (1, 30), (3, 0)])
@pytest.mark.parametrize("start", [SPRING_LH, AUTUMN_LH])
def test_fixed_times_in_lord_howe_fire_once_a_day_as_the_oracle_says(
    hour: int, minute: int, start: datetime
) -> None:
    days = [start.date() + timedelta(days=n) for n in range(1, 4)]
    end = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), LORD_HOWE)
    assert scheduled(f"{minute} {hour} * * *", LORD_HOWE, start, end) == oracle_fixed(
        hour, minute, LORD_HOWE, days
    )


def test_a_day_no_month_has_is_reported_as_never_firing() -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("cron", "0 0 30 2 *", None, "UTC")
    assert (caught.value.field, caught.value.key) == ("cron_expression", "schedule_cron_never")
    with pytest.raises(ScheduleError) as malformed:
        parse_schedule("cron", "0 0 32 * *", None, "UTC")
    assert malformed.value.key == "schedule_bad_cron"
