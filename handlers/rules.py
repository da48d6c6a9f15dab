"""The time rules an office sets in settings, handed to every use case through `Work`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Rules:
    auto_confirm_after: timedelta = timedelta(days=7)  # no verdict on 办结 by then: closed as confirmed
    revisit_after: timedelta = timedelta(days=30)  # 回头看: ask whether a confirmed problem stayed solved
