"""The core's one entry point: an incoming event in, the replies it causes out.

One unit of work per update: the dialog state, the ticket change, its history,
the dedupe mark and the messages it owes people (the outbox) are committed
together, or not at all. Only a press's pop-up answer is returned to the shell.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from handlers import (addendum, admin, assess, collect, complaints, consult, contact_cards, digest, extension,
                      groups, handover, help, invites, ledger, mydata, payloads, privacy, provisional, register,
                      reminders, revisit, unit_settings, verdicts)
from handlers.conversations import answer, cadre, feedback, lists, report
from handlers.imports import chat as imports_chat
from handlers.domain.text import clean
from handlers.turn import Turn, Work
from handlers.messages import Msg, plain, t
from handlers.payloads import Choice, PayloadError
from handlers.ports import Lane, Sheets, StoreInterrupted, Tickets, UnitOfWork
from handlers.router import Router
from handlers.rules import Rules
from handlers.seam import Address, Button, Incoming, Reply

if TYPE_CHECKING:
    from handlers.imports.rows import RawSheet
    from handlers.imports.use import Outcome

LOCALES = {"zh_CN": "中文", "en": "English"}
LANG_STEP = "lang"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Lianxin:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: SystemClock, default_locale: str = "zh_CN",
                 rules: Rules = Rules(), sheets: Sheets | None = None):
        self._uow_factory = uow_factory
        self._clock = clock
        self._default_locale = default_locale
        self._rules = rules
        self._sheets = sheets  # the shell's reading of spreadsheets sent in chat (None: none are read)

    def dispose(self) -> None:
        """Close the database connections a one-off command (lianxin import) opened."""
        dispose = getattr(self._uow_factory, "dispose", None)
        if dispose is not None:
            dispose()

    @property
    def rules(self) -> Rules:
        return self._rules

    def sweep(self, batch: int = 200) -> list[Reply]:
        """Everything time has made due: auto-confirmations, 回头看 questions, then the
        deadline ladder (催办 / 督办 / 黑旗), batch after batch until none is left.
        One transaction per batch of at most `batch` tickets."""
        confirm_before = self._rules.auto_confirm_after
        return (self._each_due(lambda tickets, now: tickets.resolved_before(now - confirm_before, batch),
                               verdicts.auto_confirm)
                + self._each_due(lambda tickets, now: tickets.revisits_due(now, batch), revisit.ask)
                + self._climb_ladders(batch))

    def _climb_ladders(self, batch: int) -> list[Reply]:
        """A transaction per batch records the rungs climbed and holds the lines they owe; a last
        one bundles every held line into one message per person (reminders.bundle_held)."""
        people = reminders.People()
        while True:
            with self._uow_factory() as uow:
                work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
                claimed = uow.tickets.claim_actions_due(work.now, batch)
                reminders.climb_due(work, claimed, people)
                uow.commit()
            if len(claimed) < batch:
                break
        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            reminders.bundle_held(work)
            _owe(uow, work.replies, here=None)
            uow.commit()
        return work.replies

    def _each_due(self, find: Callable[[Tickets, datetime], list[int]],
                  act: Callable[[Work, int], None]) -> list[Reply]:
        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            for ticket_id in find(uow.tickets, work.now):
                act(work, ticket_id)
            _owe(uow, work.replies, here=None)
            uow.commit()
        return work.replies

    def recount_deadlines(self) -> list[str]:
        """Count provisional deadlines again on this core's calendar, once a year's official list
        is loaded: the numbers of the tickets recounted (their owners hear of moved dates)."""
        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            recounted = [ticket.number for ticket_id in uow.tickets.provisional_open()
                         if (ticket := provisional.recount(work, ticket_id)) is not None]
            _owe(uow, work.replies, here=None)
            uow.commit()
        return recounted

    def erase_cadre(self, cadre_id: int) -> str:
        """`lianxin cadre erase`: a departed cadre's personal data (handlers.privacy); the name kept
        for history. DomainError, saying what to move first, while anything still reaches them."""
        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            placeholder = privacy.erase_cadre(privacy.EraseCadre(cadre_id), work)
            _owe(uow, work.replies, here=None)
            uow.commit()
        return placeholder

    def import_sheets(self, sheets: Iterable[RawSheet]) -> Outcome:
        """`lianxin import`: the office's sheets into the whole register, in one transaction, or
        nothing if any row is bad. The new 包联 of moved tickets hear through the outbox."""
        from handlers.imports.use import import_sheets

        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            outcome = import_sheets(sheets, work)
            if outcome.written:
                _owe(uow, work.replies, here=None)
                uow.commit()
        return outcome

    def commands(self) -> list[tuple[str, Msg]]:
        """The private chats' command menu, from what the features registered."""
        return ROUTER.menu(MENU)

    def push_digests(self, monthly: bool = False, due: datetime | None = None) -> list[Reply]:
        """The scheduler's Monday (or 1st of the month) job: every bound group's digest, once;
        `due`: the moment the push was scheduled for, when catching up on a missed one."""
        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            digest.push(work, self._default_locale, monthly, due)
            _owe(uow, work.replies, here=None)
            uow.commit()
        return work.replies

    def robot_digests(self, unit_names: list[str], monthly: bool = False,
                      due: datetime | None = None) -> dict[str, Msg]:
        """The digests owed to the group robots of these units (by name), each claimed once."""
        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            digests = digest.for_units(work, unit_names, monthly, due)
            uow.commit()
        return digests

    def stored_robots(self) -> dict[str, list[dict[str, str]]]:
        """The group robots admins set on units in chat (/admin robot), by unit name."""
        with self._uow_factory() as uow:
            return unit_settings.stored_robots(Work(uow=uow, now=self._clock.now(), rules=self._rules))

    def group_commands(self) -> list[tuple[str, Msg]]:
        """What the bot answers in a group (handlers.groups), for the groups' command menu."""
        return [(digest.COMMAND, t("This group's unit: last week's figures; /digest month")),
                (groups.BIND, t("Follow a unit's digests here: /bind 新村镇 (admins)")),
                (groups.UNBIND, t("Stop this group's digests (admins)")),
                (groups.HELP, t("What the bot does in this group"))]

    def handle(self, incoming: Incoming) -> list[Reply]:
        """One update, in one transaction. An update interrupted by a lost database connection is
        taken once more on a fresh one: had its first try committed, the dedupe makes the second
        a no-op."""
        incoming = _cleaned(incoming)
        try:
            return self._handle(incoming)
        except StoreInterrupted:
            return self._handle(incoming)

    def _handle(self, incoming: Incoming) -> list[Reply]:
        with self._uow_factory() as uow:
            if not uow.seen_updates.first_time(incoming.platform, incoming.update_id):
                return []  # a webhook resend of an update we already answered
            if incoming.in_group:
                work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
                groups.handle(work, incoming, self._default_locale)
                _owe(uow, work.replies, here=Address(incoming.platform, incoming.chat_id))
                uow.commit()
                return []
            account = uow.accounts.get_or_create(
                incoming.platform, incoming.user_id, incoming.chat_id,
                self._locale_for(incoming.language_code), incoming.display_name)
            state = uow.conversations.load(incoming.platform, incoming.chat_id)
            turn = Turn(incoming=incoming, account=account, state=state, uow=uow, now=self._clock.now(),
                        rules=self._rules, sheets=self._sheets)
            dispatch(turn)
            uow.conversations.save(turn.state)
            alerts = _owe(uow, turn.replies, here=turn.here)
            uow.commit()
        return alerts

    def _locale_for(self, language_code: str | None) -> str:
        return "en" if (language_code or "").lower().startswith("en") else self._default_locale


def _cleaned(incoming: Incoming) -> Incoming:
    """What was typed, cleaned once for every step (handlers.domain.text)."""
    named = {name: clean(getattr(incoming, name)) or "" for name in ("display_name", "args", "chat_title")}
    return dataclasses.replace(incoming, text=clean(incoming.text), **named)


def _owe(uow: UnitOfWork, replies: list[Reply], here: Address | None) -> list[Reply]:
    """Put the messages into the outbox, in this transaction: they are sent after commit, by the
    dispatcher; answers to the chat at hand (`here`) first, then notices, then the sweeps' bulk.
    Returns the pop-up answers to a press, which are ephemeral and answered at once."""
    owed = [reply for reply in replies if not reply.as_alert]
    if here is None:
        uow.outbox.put(owed, Lane.BULK)
    else:
        uow.outbox.put([reply for reply in owed if reply.to == here], Lane.ANSWER)
        uow.outbox.put([reply for reply in owed if reply.to != here], Lane.NOTICE)
    return [reply for reply in replies if reply.as_alert]


# What belongs to no one feature: /start (a report, a cadre's invite, a 连心卡), /lang, and the answers
# to an unknown command or to a message outside any dialog.
_own = Router("app")


@_own.command("start", t("Report a problem"))
def _start(turn: Turn, token: str) -> None:
    """/start opens a report; /start <token> comes from a cadre's invite link, /start card-<token>
    from an enterprise's 连心卡."""
    if contact_cards.is_card_link(token):
        contact_cards.open_card(turn, token)
    elif token:
        cadre.bind(turn, token)
    else:
        report.begin(turn)


@_own.command("lang", t("Change language"))
def _choose_language(turn: Turn, args: str) -> None:
    turn.say(t("Choose your language."), (tuple(
        Button(plain(name), payloads.choice(LANG_STEP, code)) for code, name in LOCALES.items()),))


@_own.press(Choice, LANG_STEP)
def _set_language(turn: Turn, choice: Choice) -> None:
    if choice.value not in LOCALES:
        raise PayloadError(f"no locale {choice.value!r}")
    turn.uow.accounts.set_locale(turn.account.id, choice.value)
    turn.account.locale = choice.value
    turn.say(t("Language set to English."))
    _ask_again(turn)


def _unknown_command(turn: Turn, name: str) -> None:
    turn.say(t("Unknown command. Send /help to see what you can do."))
    _ask_again(turn)


def _idle(turn: Turn) -> None:
    """A message outside any dialog: a reporter's is kept and offered to a ticket (handlers.addendum)."""
    if addendum.offer(turn):
        return
    if turn.uow.directory.cadre_by_account(turn.account.id) is not None:
        turn.say(t("Nothing is waiting for your text just now. /my lists the tickets you handle; "
                   "/help says what you can do."))
        return
    turn.say(t("Send /start to report a problem."))


def _ask_again(turn: Turn) -> None:
    if turn.state.dialog == report.DIALOG:
        report.ask(turn)


# Every feature's commands, buttons and dialog steps, in one router (see handlers.router).
ROUTER = Router("lianxin")
ROUTER.include(_own, help.router, admin.router, addendum.router, register.router, report.router, cadre.router, handover.router, extension.router, assess.router, consult.router,
               answer.router, feedback.router, revisit.router, collect.router, complaints.router, lists.router, digest.router,
               ledger.router, mydata.router, imports_chat.router, invites.router, contact_cards.router)
ROUTER.unknown_command, ROUTER.idle = _unknown_command, _idle
# the menu's order; /admin lists the admins' other commands (/invite, /unbound, /import), kept out of everyone's menu
MENU = ("start", "help", "mine", "my", "t", "new", "digest", "ledger", "complain", "mydata", "admin", "lang", "cancel")


def dispatch(turn: Turn) -> None:
    ROUTER.handle(turn)
