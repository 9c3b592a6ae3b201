"""When a task fires: daily time points or a 5/6-field cron expression, evaluated in an IANA timezone.

Daylight saving follows Debian cron, for 5- and 6-field expressions alike, and any size of shift (Lord
Howe Island moves its clocks by 30 minutes): an expression with a wildcard minute or hour fires at every
instant whose wall-clock time matches it (so in both passes of a repeated hour, and not at wall times a
jump skips); one with a fixed minute and hour fires once a day at that wall time, in the first pass of a
repeated hour, and at the first valid instant after the jump when spring skips it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from vwed.i18n import Lang

ScheduleType = Literal["simple", "cron"]
_TIME_POINT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_PROBE = datetime(2026, 1, 1, tzinfo=UTC)
MAX_PREVIEW = 100
_SECOND = timedelta(seconds=1)
_PROBE_STEP = timedelta(hours=6)
# Offset changes one search may cross (two a year): enough for a once-every-few-years expression.
_MAX_SEGMENTS = 64


class ScheduleError(ValueError):
    """A schedule field is invalid; `field` names it and `key` is the i18n message key."""

    def __init__(self, field: str, key: str, **params: str) -> None:
        super().__init__(field, key)
        self.field = field
        self.key = key
        self.params = params


def zone(name: str) -> ZoneInfo:
    """The IANA timezone `name`, or `ScheduleError` on the `timezone` field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError("timezone", "schedule_bad_timezone", value=name) from exc


def normalize_time_point(value: str) -> str:
    """`H:MM` style input as `HH:MM:SS`, or `ScheduleError` on `time_points`."""
    match = _TIME_POINT.match(value.strip())
    if not match:
        raise ScheduleError("time_points", "schedule_bad_time_point", value=value)
    hour, minute, second = int(match.group(1)), match.group(2), match.group(3) or "00"
    return f"{hour:02d}:{minute}:{second}"


def _point_expression(point: str) -> str:
    hour, minute, second = point.split(":")
    return f"{int(second)} {int(minute)} {int(hour)} * * *"


def _wall_time(local: datetime, tz: ZoneInfo) -> datetime:
    """The instant a naive local wall time means; one skipped by a spring jump moves to the jump's end."""
    moment = local.replace(tzinfo=tz, fold=0)
    if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local:
        return moment
    probe = local.replace(second=0)
    for _ in range(24 * 60):
        probe += timedelta(minutes=1)
        moment = probe.replace(tzinfo=tz, fold=0)
        if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == probe:
            return moment
    raise ScheduleError("timezone", "schedule_bad_timezone", value=str(tz))


def _offset_change(start: datetime, end: datetime, tz: ZoneInfo, offset: timedelta) -> datetime | None:
    """The first instant in (`start`, `end`] whose UTC offset in `tz` is not `offset`, to the second.

    Offsets are probed every `_PROBE_STEP` and the change is then found by halving; two transitions
    closer together than the step (none in the tz database since 1970) could be missed.
    """
    low = start
    while low < end:
        high = min(low + _PROBE_STEP, end)
        if high.astimezone(tz).utcoffset() != offset:
            while high - low > _SECOND:
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            return high.replace(microsecond=0)
        low = high
    return None


def _next_matching_instant(expression: str, after: datetime, tz: ZoneInfo) -> datetime:
    """The first instant after `after` whose wall-clock time in `tz` matches `expression`.

    Between two offset changes the wall clock is UTC plus one constant offset, so a match is the
    expression's next wall time minus that offset; when an offset change comes first, the search goes
    on from the change under the new offset. Any DST shift works this way, 30 minutes as well as 60.
    """
    cursor = after.astimezone(UTC)
    offset = cursor.astimezone(tz).utcoffset() or timedelta(0)
    for _ in range(_MAX_SEGMENTS):
        wall = (cursor + offset).replace(tzinfo=None)
        candidate = (next(CronSim(expression, wall)) - offset).replace(tzinfo=UTC)
        change = _offset_change(cursor, candidate, tz, offset)
        if change is None:
            return candidate.astimezone(tz)
        # Whole-second matches at or after the change: start just before it, with its offset.
        cursor = change - _SECOND
        offset = change.astimezone(tz).utcoffset() or timedelta(0)
    raise ScheduleError("timezone", "schedule_bad_timezone", value=str(tz))


def next_fire(expression: str, after: datetime, tz: ZoneInfo) -> datetime:
    """The first fire time of one cron expression strictly after the aware `after`."""
    fields = expression.split()
    minute, hour = fields[-5], fields[-4]
    if minute.startswith("*") or hour.startswith("*"):
        return _next_matching_instant(expression, after, tz)
    # A fixed wall time is matched on the local clock, then mapped to an instant (once, even when the
    # autumn hour repeats it; at the jump's end when spring skips it).
    for local in CronSim(expression, after.astimezone(tz).replace(tzinfo=None)):
        moment = _wall_time(local, tz)
        if moment > after:
            return moment
    raise StopIteration


@dataclass(frozen=True)
class Schedule:
    """A validated schedule; build it with `parse_schedule`."""

    schedule_type: ScheduleType
    cron_expression: str | None
    time_points: tuple[str, ...]
    timezone: str

    @property
    def expressions(self) -> tuple[str, ...]:
        """The cron expressions whose union is this schedule."""
        if self.schedule_type == "cron":
            return (self.cron_expression or "",)
        return tuple(_point_expression(p) for p in self.time_points)

    @property
    def key(self) -> str:
        """A digest of everything that decides the fire times; tasks sharing it share their times."""
        canonical = "|".join((self.timezone, *self.expressions))
        # 96 bits tell schedules apart; a short key keeps the index the leader rewrites small.
        return hashlib.sha256(canonical.encode()).hexdigest()[:24]

    def next_after(self, after: datetime) -> datetime:
        """The first fire time strictly after `after` (aware), in UTC."""
        tz = zone(self.timezone)
        return min(next_fire(expr, after, tz) for expr in self.expressions).astimezone(UTC)

    def upcoming(self, after: datetime, count: int) -> list[datetime]:
        """The next `count` fire times after `after`, in the schedule's timezone."""
        tz = zone(self.timezone)
        times: list[datetime] = []
        cursor = after
        for _ in range(count):
            cursor = self.next_after(cursor)
            times.append(cursor.astimezone(tz))
        return times

    def describe(self, lang: Lang) -> str:
        """A sentence for people, e.g. `每天 08:00:00 (Asia/Shanghai)`."""
        if self.schedule_type == "simple":
            points = ("、" if lang == "zh" else ", ").join(self.time_points)
            text = f"每天 {points}" if lang == "zh" else f"Every day at {points}"
        elif lang == "zh":
            text = describe_cron_zh(self.cron_expression or "")
        else:
            text = CronSim(self.cron_expression or "", _PROBE).explain()
        return f"{text} ({self.timezone})"


def _never_fires(expression: str) -> bool:
    """Whether a refused expression is well formed but names a day no month of it has (`0 0 30 2 *`):
    it parses once its month field allows every month."""
    fields = expression.split()
    if len(fields) not in (5, 6) or fields[-2] == "*":
        return False
    try:
        next(CronSim(" ".join([*fields[:-2], "*", fields[-1]]), _PROBE))
    except (CronSimError, StopIteration):
        return False
    return True


def parse_schedule(
    schedule_type: str,
    cron_expression: str | None,
    time_points: Iterable[str] | None,
    timezone: str,
) -> Schedule:
    """Validate the schedule fields of a task; raise `ScheduleError` naming the first bad field."""
    zone(timezone)
    if schedule_type == "cron":
        expression = " ".join((cron_expression or "").split())
        if not expression:
            raise ScheduleError("cron_expression", "schedule_cron_required")
        try:
            next(CronSim(expression, _PROBE))
        except (CronSimError, StopIteration) as exc:
            key = "schedule_cron_never" if _never_fires(expression) else "schedule_bad_cron"
            raise ScheduleError("cron_expression", key, value=expression) from exc
        return Schedule("cron", expression, (), timezone)
    if schedule_type == "simple":
        points = sorted({normalize_time_point(p) for p in time_points or ()})
        if not points:
            raise ScheduleError("time_points", "schedule_points_required")
        return Schedule("simple", None, tuple(points), timezone)
    raise ScheduleError("schedule_type", "schedule_bad_type", value=schedule_type)


_WEEKDAYS_ZH = ("日", "一", "二", "三", "四", "五", "六", "日")
_STEP_ZH = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "个月"}
_POINT_ZH = {"second": "秒", "minute": "分", "hour": "点", "day": "日", "month": "月"}


def _field_zh(value: str, unit: str) -> str:
    if value == "*":
        return f"每{_STEP_ZH[unit]}"
    if value.startswith("*/"):
        return f"每 {value[2:]} {_STEP_ZH[unit]}"
    parts = []
    for item in value.split(","):
        base, _, step = item.partition("/")
        text = base.replace("-", " 至 ") + _POINT_ZH[unit]
        parts.append(text + (f"起每 {step} {_STEP_ZH[unit]}" if step else ""))
    return "、".join(parts)


def _weekdays_zh(value: str) -> str:
    def name(token: str) -> str:
        return "周" + _WEEKDAYS_ZH[int(token)] if token.isdigit() and int(token) < 8 else token

    parts = []
    for item in value.split(","):
        low, sep, high = item.partition("-")
        parts.append(f"{name(low)}至{name(high)}" if sep else name(item))
    return "、".join(parts)


def describe_cron_zh(expression: str) -> str:
    """A Chinese reading of a valid 5- or 6-field cron expression, e.g. `周一至周五 08:00`."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    second, minute, hour, day, month, weekday = fields
    when = []
    if month != "*":
        when.append(_field_zh(month, "month"))
    if day not in ("*", "?"):
        when.append(("每月" if month == "*" else "") + _field_zh(day, "day"))
    if weekday not in ("*", "?"):
        when.append(_weekdays_zh(weekday))
    date = " ".join(when) or "每天"
    if all(f.isdigit() for f in (second, minute, hour)):
        clock = f"{int(hour):02d}:{int(minute):02d}" + (f":{int(second):02d}" if second != "0" else "")
        return f"{date} {clock}"
    pieces = []
    # A wildcard is implied by a finer field that repeats ("every 5 minutes" needs no "every hour").
    finer = {"hour": minute, "minute": second, "second": ""}
    for value, unit in ((hour, "hour"), (minute, "minute"), (second, "second")):
        if value == "*" and finer[unit].startswith("*"):
            continue
        if unit == "second" and value == "0":
            continue
        pieces.append(_field_zh(value, unit))
    return f"{date} " + " ".join(pieces)
