"""The people, places and tickets the core reasons about, as plain dataclasses.

Storage maps its rows to these; nothing here knows about a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from handlers.domain.events import EventKind


class OrgLevel(StrEnum):
    CITY = "city"
    DISTRICT = "district"
    TOWNSHIP = "township"  # 乡镇 / 街道
    COMMUNITY = "community"  # 村 / 社区
    GRID = "grid"  # 网格
    DEPARTMENT = "department"  # 职能部门 (自然资源局, 供电公司…): a unit of department handlers


class CadreRole(StrEnum):
    GRID_WORKER = "grid_worker"  # 网格员
    BUTLER = "butler"  # 服务管家 / 服务专员
    DEPARTMENT = "department"  # 部门经办人
    TOWNSHIP_LEADER = "township_leader"
    DISTRICT_LEADER = "district_leader"
    SUPERVISOR = "supervisor"  # 营商环境监督员


class ReporterKind(StrEnum):
    ENTERPRISE = "enterprise"
    RESIDENT = "resident"


SOLVED, PARTLY, UNSOLVED = "solved", "partly", "unsolved"  # the reporter's verdict on 办结


class TicketStatus(StrEnum):
    ASSIGNED = "assigned"  # routed to an owner, not yet taken up
    ACCEPTED = "accepted"  # 接单: the owner has taken it up
    RESOLVED = "resolved"  # 办结: the owner says it is settled, the reporter is asked
    CONFIRMED = "confirmed"  # 销号: the reporter (or the timeout) confirmed it
    REOPENED = "reopened"  # 重办: the reporter said not solved; back with the same owner
    WITHDRAWN = "withdrawn"  # the reporter took it back


class Tier(StrEnum):
    """研判: the ABCD list (分级解决): who settles it, from the bottom of the 倒金字塔 up."""

    A = "A"  # 当场办: settled on the spot by whoever received it
    B = "B"  # 部门办: a department's routine business
    C = "C"  # 领导办: needs a leader to co-ordinate
    D = "D"  # 政策 / 长期: a policy question or a long-term project, tracked, not closed in days


class Difficulty(StrEnum):
    GENERAL = "general"  # 一般问题: 不过周
    DIFFICULT = "difficult"  # 疑难问题: 不过月


# An account whose person had their data erased keeps its row (tickets and histories refer to it)
# but not their platform ids: these become "erased:<account id>", which no platform sends, so the
# person writing again is a new account, and nobody is messaged at the old one (docs/privacy.md).
ERASED_PREFIX = "erased:"


@dataclass
class Account:
    """One person on one messaging platform (a reporter, a cadre, or both)."""

    id: int
    platform: str
    user_id: str  # the platform's ids, opaque (handlers.seam)
    chat_id: str
    locale: str
    display_name: str = ""

    @property
    def erased(self) -> bool:
        """Its person's data was erased: nobody is there to hear."""
        return self.user_id.startswith(ERASED_PREFIX)


@dataclass(frozen=True)
class OrgUnit:
    id: int
    name: str
    level: OrgLevel
    parent_id: int | None
    duty_cadre_id: int | None = None  # 属地兜底: who takes what nobody else owns


@dataclass(frozen=True)
class Cadre:
    id: int
    name: str
    role: CadreRole
    org_unit_id: int
    phone: str
    account_id: int | None = None
    phone_public: bool = False  # the office publishes this phone (服务专员): it may be printed on 连心卡
    disabled: bool = False  # no longer works on tickets: never routed to, and cannot act (an admin's /admin disable)


class Role(StrEnum):
    """A right held on an org unit and everything below it (handlers.authority)."""

    ADMIN = "admin"  # administers the subtree: cadres, 包联, duty cadres, policies, robots, groups, roles
    LEADER = "leader"  # leads the subtree's work
    SUPERVISOR = "supervisor"  # 营商环境监督员 of the subtree: 举报 about its cadres reach them
    CADRE = "cadre"  # works in the subtree


@dataclass(frozen=True)
class Grant:
    """Cadre `cadre_id` holds `role` on org unit `org_unit_id` and its subtree."""

    cadre_id: int
    role: Role
    org_unit_id: int


class Finding(StrEnum):
    """A business-environment supervisor's finding on a 举报."""

    UPHELD = "upheld"  # 属实: counts against the unit in the 红黑榜
    NOT_UPHELD = "not_upheld"  # 不属实


@dataclass(frozen=True)
class Complaint:
    """举报 about a cadre (with the ticket, when it was about one's handling)."""

    id: int
    complainant_account_id: int
    cadre_id: int
    org_unit_id: int  # whose figures an upheld finding counts in
    text: str
    ticket_id: int | None = None
    finding: Finding | None = None
    found_by_cadre_id: int | None = None
    finding_reason: str = ""
    at: datetime | None = None  # when it was filed


@dataclass(frozen=True)
class GroupBinding:
    """A leaders' group chat bound to an org unit: it gets that unit's 周通报 and 月报告."""

    platform: str
    chat_id: str
    org_unit_id: int
    title: str = ""


@dataclass(frozen=True)
class Enterprise:
    id: int
    name: str
    credit_code: str
    grid_id: int | None
    assigned_cadre_id: int | None  # 包联
    address: str = ""
    contact_phone: str = ""  # the phone registered for it (企业库): sharing it binds a contact by its 连心卡


@dataclass(frozen=True)
class ReporterProfile:
    """Who a reporter said they are last time. An enterprise's registered contact (the one told
    when a cadre logs a problem on its behalf) is whoever bound it by its 连心卡 last, else its
    first reporter."""

    account_id: int
    kind: ReporterKind
    enterprise_id: int | None = None
    phone: str = ""
    bound_at: datetime | None = None  # bound to the enterprise by its 助企连心卡: its contact until another is


@dataclass(frozen=True)
class ContactCard:
    """助企连心卡: the card printed for an enterprise. Its QR deep link carries `token` (random,
    never the credit code); the person who scans it confirms with `code`, printed beside it."""

    id: int
    enterprise_id: int
    token: str
    code: str


@dataclass(frozen=True)
class CardTries:
    """One account's wrong codes on one card, and until when that card is locked for it."""

    failures: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Unbound:
    """A cadre with no chat account yet, where they work, and their live invite's expiry if any."""

    cadre: Cadre
    unit_name: str
    invite_expires_at: datetime | None


class InviteRefusal(StrEnum):
    """Why an invite link did not bind."""

    UNKNOWN = "unknown"  # no such token (mistyped, cut off)
    USED = "used"  # opened before, by another account
    EXPIRED = "expired"
    OTHER_CADRE = "other_cadre"  # this account already is another cadre's


@dataclass(frozen=True)
class Refused:
    reason: InviteRefusal
    cadre: Cadre | None = None  # the invite's cadre (None for an unknown token)
    expired_at: datetime | None = None


@dataclass(frozen=True)
class TicketEvent:
    kind: str  # an EventKind (a plain str when read back)
    at: datetime
    actor_account_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


# The events by which an owner takes a ticket up (交办 met): the first of them counts in reports.
TAKEN_UP = frozenset({EventKind.ACCEPTED, EventKind.HANDOVER_ACCEPTED, EventKind.RESOLVED})


TICKET_NUMBER = re.compile(r"LX-\d{4}-\d{6,}")  # LX-2026-000123: the year, then its count


@dataclass
class Ticket:
    id: int | None
    number: str  # LX-2026-000123
    category: str
    description: str
    reporter_account_id: int
    reporter_kind: ReporterKind
    reporter_phone: str
    org_unit_id: int
    owner_cadre_id: int
    status: TicketStatus
    created_at: datetime
    enterprise_id: int | None = None
    photo_file_ids: list[str] = field(default_factory=list)
    location: tuple[float, float] | None = None
    tier: Tier | None = None  # set by the owner's 研判
    difficulty: Difficulty = Difficulty.GENERAL
    linked_to_id: int | None = None  # the ticket this one shares its problem with (duplicates move with it)
    follow_up_of_id: int | None = None  # the confirmed ticket whose 回头看 found the problem back
    revisit_at: datetime | None = None  # when to ask the reporter whether it stayed solved (回头看)
    # 限时办结: when each stage is due (UTC; None: not timed, or the calendar could not say).
    assign_due_at: datetime | None = None  # 交办: an owner has taken it up
    answer_due_at: datetime | None = None  # 首次答复: the reporter has heard from the owner
    settle_due_at: datetime | None = None  # 办结 (extended by an approved 延期)
    next_action_at: datetime | None = None  # when the deadline sweep next looks at it
    due_at: datetime | None = None  # the running stage's deadline (deadlines.running_due), for counting flags in SQL
    resolved_at: datetime | None = None  # the last 办结: auto-confirmation counts from it
    taken_up_at: datetime | None = None  # the first take-up (交办 met), kept from the history for reports
    ladder_step: int = 0  # rungs of the reminder ladder already climbed for the stage now running
    events: list[TicketEvent] = field(default_factory=list)  # append-only history
    new_events: list[TicketEvent] = field(default_factory=list)  # not yet stored

    @property
    def pending_handover(self) -> TicketEvent | None:
        """The hand-over on offer (交办 / 上报), if its receiver has not yet taken it or refused.
        Until then the ticket stays with its owner (首问负责)."""
        return self._awaiting(EventKind.HANDOVER_OFFERED,
                             answers=(EventKind.HANDOVER_ACCEPTED, EventKind.HANDOVER_REFUSED))

    @property
    def pending_extension(self) -> TicketEvent | None:
        """The 延期 request awaiting its leader's answer, if any."""
        return self._awaiting(EventKind.EXTENSION_REQUESTED,
                             answers=(EventKind.EXTENSION_GRANTED, EventKind.EXTENSION_REFUSED))

    def _awaiting(self, asked: str, answers: tuple[str, ...]) -> TicketEvent | None:
        """The latest `asked` event, unless one of `answers` came after it."""
        for event in reversed(self.events):
            if event.kind in answers:
                return None
            if event.kind == asked:
                return event
        return None

    @property
    def unregistered_enterprise(self) -> dict[str, Any] | None:
        """What the reporter said of an enterprise not in the register (name, credit_code,
        township_id), until the ticket is linked to a registered one."""
        if self.enterprise_id is not None:
            return None
        for event in self.events:
            if event.kind == EventKind.SUBMITTED:
                return event.data.get("unregistered_enterprise")
        return None

    @property
    def co_handlers(self) -> dict[int, bool]:
        """会商: cadre id -> whether that co-handler has replied."""
        asked: dict[int, bool] = {}
        for event in self.events:
            if event.kind == EventKind.CONSULT_REQUESTED:
                asked.setdefault(event.data["cadre_id"], False)
            elif event.kind == EventKind.CONSULT_REPLIED:
                asked[event.data["cadre_id"]] = True
        return asked

    def record(self, kind: str, at: datetime, actor_account_id: int | None, **data: Any) -> None:
        if kind in TAKEN_UP and (self.taken_up_at is None or at < self.taken_up_at):
            self.taken_up_at = at
        event = TicketEvent(kind, at, actor_account_id, data)
        self.events.append(event)
        self.new_events.append(event)
