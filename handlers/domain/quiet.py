"""无事不扰: when a message that nobody asked for this minute may reach someone.

A person's own conversation is never held back: answers to what they just did go at
once. Everything else waits: a cadre hears from the bot in office hours on working days
(urgent problems, such as safety hazards, excepted), a reporter never at night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.domain.calendar import WorkCalendar


@dataclass(frozen=True)
class QuietHours:
    office_open: time = time(9)  # cadres: working days, office_open–office_close
    office_close: time = time(18)
    night_starts: time = time(22)  # reporters: not between night_starts and night_ends
    night_ends: time = time(8)
    enabled: bool = True  # off: everything goes at once (the local demo, played at any hour)

    def cadre_hears_at(self, now: datetime, calendar: WorkCalendar, tz: ZoneInfo) -> datetime | None:
        """None if a cadre may be messaged now, else the next office opening."""
        if not self.enabled:
            return None
        local = now.astimezone(tz)
        if calendar.is_working_day(local.date()) and self.office_open <= local.time() < self.office_close:
            return None
        day = local.date() if local.time() < self.office_open else local.date() + timedelta(days=1)
        day = calendar.add_working_days(day, 0)  # that day, or the next working one
        return datetime.combine(day, self.office_open, tzinfo=tz)

    def reporter_hears_at(self, now: datetime, tz: ZoneInfo) -> datetime | None:
        """None if a reporter may be messaged now, else the end of the night."""
        if not self.enabled:
            return None
        local = now.astimezone(tz)
        if self.night_ends <= local.time() < self.night_starts:
            return None
        day = local.date() if local.time() < self.night_ends else local.date() + timedelta(days=1)
        return datetime.combine(day, self.night_ends, tzinfo=tz)
