"""What the core needs from the outside world, as Protocols.

storage/ implements them on SQLModel; tests/unit implements them with fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from handlers.domain.flags import Flag, FlagLines
from handlers.domain.model import (Account, Cadre, CardTries, Complaint, ContactCard, Enterprise, Finding, Grant,
                                   GroupBinding, OrgUnit, Refused, ReporterProfile, Role, Ticket, Unbound)
from handlers.domain.ranking import UnitPeriod
from handlers.seam import Document, Reply

if TYPE_CHECKING:
    from handlers.imports.plan import ImportRegister
    from handlers.imports.rows import RawSheet


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, UTC."""


class Dialog(StrEnum):
    """The dialogs a chat can be in, as stored in its conversation state."""

    IDLE = "idle"
    REPORT = "report"  # /start (and a cadre's /new): a problem becomes a ticket
    CADRE = "cadre"  # a ticket card's button that needs a line of text, a choice or a search first
    ANSWER = "answer"  # the reporter answers the owner's question (需补充)
    FEEDBACK = "feedback"  # the reporter's verdict, rating, comment, withdrawal or 举报 on a ticket
    CONSULT = "consult"  # a co-handler's view (会商)
    COMPLAINT = "complaint"  # 举报 about a cadre, outside any ticket
    FINDING = "finding"  # a supervisor's finding on a 举报
    ADDENDUM = "addendum"  # a reporter wrote outside a dialog: add it to an open ticket, or report it
    MYDATA = "mydata"  # /mydata's erasure, asked and awaiting its confirmation
    CONTACT_CARD = "contact_card"  # a 连心卡's link was opened: the code on the card, or the registered phone


ANSWER_STEP = "text"  # the answer dialog's one step: set by 需补充 on the reporter's chat


@dataclass
class ConversationState:
    """Where one chat is in a dialog. Stored, so a restart resumes mid-dialog."""

    platform: str
    chat_id: str
    dialog: str = Dialog.IDLE
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def interrupt(self, dialog: str, step: str, data: dict[str, Any]) -> None:
        """Switch to a short dialog (answer a question, rate a result), keeping the one
        under way to come back to: nothing the user already typed is dropped."""
        if self.dialog == dialog and self.data.get("ticket_id") == data.get("ticket_id"):
            self.step = step
            return
        under_way = {"dialog": self.dialog, "step": self.step, "data": self.data}
        self.dialog, self.step, self.data = dialog, step, {**data, "resume": under_way}

    def resume(self) -> None:
        """Back to the dialog an `interrupt` put aside (or idle)."""
        previous = self.data.get("resume") or {}
        self.dialog = previous.get("dialog", Dialog.IDLE)
        self.step, self.data = previous.get("step", ""), previous.get("data", {})


class Accounts(Protocol):
    def get_or_create(self, platform: str, user_id: str, chat_id: str, locale: str,
                      display_name: str) -> Account: ...
    def find(self, platform: str, user_id: str) -> Account | None:
        """The account if known; creates and changes nothing."""
    def get(self, account_id: int) -> Account | None: ...
    def get_many(self, account_ids: Collection[int]) -> dict[int, Account]:
        """The known ones among these accounts, by id, in one look-up."""
    def set_locale(self, account_id: int, locale: str) -> None: ...


class Conversations(Protocol):
    def load(self, platform: str, chat_id: str) -> ConversationState: ...
    def save(self, state: ConversationState) -> None: ...


class Directory(Protocol):
    """Read side of the org tree, cadres and enterprises (干部库, 企业库)."""

    def org_unit(self, org_unit_id: int) -> OrgUnit | None: ...
    def lineage(self, org_unit_id: int) -> list[OrgUnit]:
        """The unit, its parent, and so on up to the root, in one look-up (empty for an unknown unit)."""
    def org_units(self, org_unit_ids: Collection[int]) -> dict[int, OrgUnit]:
        """The known ones among these units, by id, in one look-up (a sweep's batch)."""
    def children(self, org_unit_id: int) -> list[OrgUnit]: ...
    def roots(self) -> list[OrgUnit]: ...
    def units_named(self, name: str) -> list[OrgUnit]: ...
    def cadre(self, cadre_id: int) -> Cadre | None: ...
    def cadres(self, cadre_ids: Collection[int]) -> dict[int, Cadre]:
        """The known ones among these cadres, by id, in one look-up (a sweep's batch)."""
    def cadre_by_account(self, account_id: int) -> Cadre | None: ...
    def grid_worker(self, grid_id: int) -> Cadre | None:
        """The grid's 网格员 who still works (disabled cadres are never picked to handle anything)."""
    def cadres_in(self, org_unit_id: int, role: str) -> list[Cadre]:
        """The unit's cadres of that CadreRole who still work."""
    def admins(self) -> list[Cadre]:
        """Cadres who still work and hold the admin role somewhere: they hear what only an admin can fix."""
    def grants_of(self, cadre_id: int) -> list[Grant]:
        """The roles the cadre holds, each on its unit (handlers.authority reads them)."""
    def holders(self, role: Role, org_unit_ids: Collection[int]) -> list[Cadre]:
        """Cadres who still work and hold `role` on one of these units, by id."""
    def search_cadres(self, text: str, limit: int) -> list[Cadre]:
        """By name or org unit name; only cadres who still work."""
    def enterprise(self, enterprise_id: int) -> Enterprise | None: ...
    def enterprise_by_code(self, credit_code: str) -> Enterprise | None: ...
    def search_enterprises(self, name_part: str, limit: int) -> list[Enterprise]: ...


class Enterprises(Protocol):
    """Write side of the enterprise register (企业库)."""

    def add(self, name: str, credit_code: str, grid_id: int | None) -> Enterprise:
        """A new enterprise (no 包联 yet); the credit code must not be registered already."""
    def set_baolian(self, enterprise_id: int, cadre_id: int | None) -> None:
        """The enterprise's 包联 cadre from now on (None: none)."""


class Roster(Protocol):
    """Write side of the cadre roster (干部库) and of the roles held on units (handlers.admin)."""

    def add(self, name: str, role: str, org_unit_id: int, phone: str) -> Cadre: ...
    def disable(self, cadre_id: int, at: datetime) -> None:
        """The cadre no longer works on tickets; their chat account is unbound from them."""
    def set_duty(self, org_unit_id: int, cadre_id: int) -> None:
        """The unit's duty cadre (属地兜底) from now on."""
    def grant(self, grant: Grant, by_cadre_id: int | None, at: datetime) -> bool:
        """False when the cadre already held that role on that unit."""
    def revoke(self, grant: Grant) -> bool:
        """False when the cadre did not hold it."""


class UnitSettings(Protocol):
    """What an admin set on an org unit, by key (handlers.settings): it covers the unit's subtree."""

    def of(self, org_unit_ids: Collection[int], key: str) -> dict[int, Any]:
        """The values set on these units, by unit id (units with none left out)."""
    def everywhere(self, key: str) -> dict[int, Any]:
        """Every unit's value of `key`, by unit id."""
    def put(self, org_unit_id: int, key: str, value: Any, by_cadre_id: int | None, at: datetime) -> None: ...
    def remove(self, org_unit_id: int, key: str) -> bool:
        """False when nothing was set."""


class Invites(Protocol):
    def redeem(self, token: str, account_id: int, now: datetime) -> Cadre | Refused:
        """Bind the invite's cadre to `account_id` once (opened again by the account it bound: the
        cadre again); else why not."""
    def issue(self, cadre_id: int, now: datetime, ttl: timedelta) -> str:
        """A fresh single-use invite token for the cadre, valid for `ttl` from `now`."""
    def unbound_under(self, org_unit_id: int, now: datetime) -> list[Unbound]:
        """The cadres of the unit and every unit below it with no account yet, by unit then
        name, each with the expiry of their latest live invite (None: none live)."""


class ContactCards(Protocol):
    """助企连心卡: one card per enterprise, found by the token its QR link carries."""

    def of_enterprise(self, enterprise_id: int) -> ContactCard | None: ...
    def enterprises_under(self, org_unit_id: int) -> list[Enterprise]:
        """The enterprises whose grid lies in the unit or below it, by name (a township's cards)."""
    def add(self, enterprise_id: int, token: str, code: str, at: datetime) -> ContactCard: ...
    def by_token(self, token: str) -> ContactCard | None: ...
    def tries(self, card_id: int, account_id: int) -> CardTries: ...
    def set_tries(self, card_id: int, account_id: int, tries: CardTries) -> None: ...


class Tickets(Protocol):
    def next_number(self, year: int) -> str: ...
    def add(self, ticket: Ticket) -> Ticket: ...
    def get(self, ticket_id: int) -> Ticket | None: ...
    def get_many(self, ticket_ids: Collection[int]) -> list[Ticket]:
        """These tickets with their histories, by id, in a few statements whatever their number
        (unknown ids left out)."""
    def by_number(self, number: str) -> Ticket | None: ...
    def page_for_owner(self, cadre_id: int, statuses: Collection[str], offset: int,
                       limit: int) -> tuple[list[Ticket], int]:
        """Tickets without their events, oldest first, and how many match in all."""
    def page_for_reporter(self, account_id: int, offset: int, limit: int,
                          statuses: Collection[str] | None = None) -> tuple[list[Ticket], int]:
        """Tickets without their events (in `statuses`, or any), newest first, and how many match in all."""
    def open_owned(self, cadre_id: int, enterprise_id: int | None = None) -> list[int]:
        """Ids of the open tickets the cadre owns (only those of that enterprise, if given), oldest first."""
    def provisional_open(self) -> list[int]:
        """Ids of open tickets whose history ever marked their deadlines provisional."""
    def resolved_before(self, cutoff: datetime, limit: int) -> list[int]:
        """Ids of tickets awaiting the reporter's verdict, resolved at or before `cutoff`."""
    def linked_to(self, ticket_id: int) -> list[Ticket]:
        """The tickets linked to this one as sharing its problem, with their histories."""
    def revisits_due(self, now: datetime, limit: int) -> list[int]:
        """Ids of tickets whose 回头看 time has come."""
    def claim_actions_due(self, now: datetime, limit: int) -> list[int]:
        """Ids of tickets whose next deadline action (催办, 督办, escalation) is due, each owner's
        together, locked for this transaction: another process sweeping at once skips them."""
    def save(self, ticket: Ticket) -> None:
        """Store changed fields and append `ticket.new_events`; never rewrite old events."""
    def save_plans(self, tickets: Sequence[Ticket]) -> None:
        """What a sweep changes, for many tickets in a few statements: append each one's
        `new_events` (then clears them) and store its re-planned next deadline action
        (`next_action_at`, `ladder_step`, `due_at`). Other columns are left as they are."""


class ReporterProfiles(Protocol):
    def get(self, account_id: int) -> ReporterProfile | None: ...
    def save(self, profile: ReporterProfile) -> None: ...
    def contact_of(self, enterprise_id: int) -> ReporterProfile | None:
        """The enterprise's registered contact: who bound it by its 连心卡 last, else its first
        reporter in the bot."""


class Complaints(Protocol):
    def get(self, complaint_id: int) -> Complaint | None: ...
    def record_finding(self, complaint_id: int, finding: Finding, cadre_id: int, at: datetime,
                       reason: str = "") -> bool:
        """False if it already has one: the first finding is final."""
    def add(self, complainant_account_id: int, cadre_id: int, org_unit_id: int, text: str, at: datetime,
            ticket_id: int | None = None) -> int:
        """举报 about a cadre, kept for the supervisors' record."""
    def filed_by(self, account_id: int) -> list[Complaint]:
        """The 举报 this account filed, oldest first."""


class SeenUpdates(Protocol):
    def first_time(self, platform: str, update_id: str) -> bool:
        """Record the update; False when it was handled before (a webhook resend)."""


class Lane(IntEnum):
    """Which messages go first when many are owed: the person at the keyboard does not wait
    behind a morning's 10,000 reminders."""

    ANSWER = 0  # to the person whose message or press caused it
    NOTICE = 1  # to others, caused by a person's action
    BULK = 2  # from the sweeps: reminders, auto-confirmations, 回头看


@dataclass(frozen=True)
class HeldLine:
    """One line of a reminder bundle, as plain facts (the text is made when the bundle is):
    who hears, of which ticket, which notice (`says`: handlers.reminders.REMIND … BLACK) about
    which deadline."""

    account_id: int
    ticket_id: int
    number: str
    mark: str  # the ticket's flag when it climbed (🟢 🟡 🔴 ⚫, or ·)
    says: str
    stage: str
    due: datetime
    owner: str  # the owner's name, for the lines to leaders


class Outbox(Protocol):
    def put(self, replies: Iterable[Reply], lane: Lane) -> None:
        """Owe these messages: stored with the change that caused them, sent after commit."""
    def hold(self, lines: Sequence[HeldLine]) -> None:
        """Owe these lines, not yet as messages: kept with the change that caused them until
        `take_held` bundles them (a sweep tells each person once per pass, however many of its
        batches concern them; lines a crashed pass left are bundled by the next one)."""
    def take_held(self) -> list[HeldLine]:
        """Every line held, oldest first, removed: each is taken by one caller only, in this or
        any process."""


class Reports(Protocol):
    """Figures for digests and the 红黑榜, aggregated by the database (storage/reports.py)."""

    def unit_period(self, unit_id: int, start: datetime, end: datetime) -> UnitPeriod: ...
    def child_periods(self, unit_id: int, start: datetime, end: datetime) -> list[UnitPeriod]: ...
    def received_by(self, unit_id: int, start: datetime, end: datetime, column: str) -> dict[str | None, int]: ...
    def oldest_open(self, unit_id: int, limit: int) -> list[tuple[str, datetime, str]]: ...
    def open_count(self, unit_id: int) -> int:
        """Problems open now under the unit (timed or not)."""
    def child_flags(self, unit_id: int, lines: FlagLines) -> dict[int, dict[Flag, int]]:
        """Open tickets under each child unit by flag (children with none left out)."""
    def trend(self, unit_id: int, bounds: Sequence[datetime]) -> list[tuple[int, int]]:
        """(received, resolved) for each period between consecutive bounds."""
    def flags(self, unit_id: int, lines: FlagLines) -> dict[Flag, int]:
        """Open tickets under the unit (itself included) by flag; untimed ones left out."""


class Groups(Protocol):
    """Leader groups bound to org units, and the digests owed to them."""

    def bind(self, binding: GroupBinding, cadre_id: int, at: datetime) -> None:
        """Bind the chat (again: the new unit replaces the old)."""
    def unbind(self, platform: str, chat_id: str) -> bool: ...
    def binding(self, platform: str, chat_id: str) -> GroupBinding | None: ...
    def bindings(self) -> list[GroupBinding]: ...
    def claim_digest(self, target: str, period: str, start: datetime, at: datetime) -> bool:
        """True the first time (target, period, start) is claimed, in this or any process, ever."""


class Privacy(Protocol):
    """Erasure (docs/privacy.md): the one lawful exception to append-only histories. What goes is
    the core's rule (handlers.privacy); these do it across the tables, in the unit of work."""

    def scrub_history(self, ticket_ids: Collection[int], account: Account, keys: Collection[str]) -> None:
        """In these tickets' histories: blank the `keys` of the events `account` acted in (text
        to "", lists to []), and the chat id of delivery failures to its chat."""
    def erase_complaints(self, account_id: int) -> list[int]:
        """Blank the text of the 举报 this account filed (the finding stays); their ids."""
    def forget_reporter(self, account: Account, ticket_ids: Collection[int], complaint_ids: Collection[int],
                        photos: Collection[str]) -> None:
        """The rest of what is kept about the account's person: its reporter profile, its chat's dialog,
        the messages to its chat and about these tickets and 举报 (sent or not), its chat's handled
        webhook updates, the stored `photos` nothing refers to any more; and its platform ids and name
        (the account row stays, "erased:<id>", for the histories that refer to it)."""
    def duties_of(self, cadre_id: int) -> tuple[list[str], int]:
        """What still routes new problems to the cadre: the units whose duty cadre they are (names),
        and how many enterprises have them as 包联."""
    def forget_cadre(self, cadre_id: int, placeholder: str) -> None:
        """A cadre who left: named `placeholder`, phone cleared, not an admin, unused invites
        dropped; their chat's account forgotten as a reporter's (the row stays for the histories)."""


class Sheets(Protocol):
    """The shell's reading of a spreadsheet someone sent (the core reads no file format)."""

    def take(self, document: Document) -> list[RawSheet]:
        """The sheets of the file the shell fetched for `document`, forgotten once read;
        raises handlers.imports.rows.UnreadableSheet when it is none it can read."""


class StoreInterrupted(Exception):
    """The unit of work lost its connection to the store (the database restarted, say). Nothing of
    it was written, or, when the connection went during the commit, perhaps all of it: work that
    is safe to repeat (an update, deduplicated by its id) may run again on a fresh connection."""


class UnitOfWork(Protocol):
    accounts: Accounts
    conversations: Conversations
    directory: Directory
    enterprises: Enterprises
    roster: Roster
    unit_settings: UnitSettings
    invites: Invites
    contact_cards: ContactCards
    tickets: Tickets
    seen_updates: SeenUpdates
    reporter_profiles: ReporterProfiles
    complaints: Complaints
    outbox: Outbox
    reports: Reports
    groups: Groups
    privacy: Privacy
    imports: ImportRegister  # the register as a spreadsheet import reads and writes it

    def __enter__(self) -> UnitOfWork: ...
    def __exit__(self, *exc: object) -> None:
        """Roll back whatever was not committed; a lost connection goes on up as StoreInterrupted."""
    def commit(self) -> None: ...
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested unit: what is written inside stays only if the block ends normally; an
        exception rolls back just that, and goes on up (a refused step leaves nothing behind)."""
