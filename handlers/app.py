"""The core's one entry point: an incoming event in, the replies it causes out.

One unit of work per update: the dialog state, the ticket change, its history,
the dedupe mark and the messages it owes people (the outbox) are committed
together, or not at all. Only a press's pop-up answer is returned to the shell.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from handlers import collect, digest, groups, ledger, payloads, reminders, revisit, verdicts
from handlers.conversations import answer, cadre, complaint, consult, feedback, finding, lists, report
from handlers.turn import Turn, Work
from handlers.messages import Msg, plain, t
from handlers.ports import Lane, Tickets, UnitOfWork
from handlers.rules import Rules
from handlers.seam import Address, Button, Incoming, Reply

LOCALES = {"zh_CN": "中文", "en": "English"}
LANG_STEP = "lang"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Lianxin:
    def __init__(self, uow_factory: Callable[[], UnitOfWork], clock: SystemClock, default_locale: str = "zh_CN",
                 rules: Rules = Rules()):
        self._uow_factory = uow_factory
        self._clock = clock
        self._default_locale = default_locale
        self._rules = rules

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
        replies: list[Reply] = []
        while True:
            with self._uow_factory() as uow:
                work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
                claimed = uow.tickets.claim_actions_due(work.now, batch)
                reminders.climb_due(work, claimed)
                _owe(uow, work.replies, here=None)
                uow.commit()
            replies += work.replies
            if len(claimed) < batch:
                return replies

    def _each_due(self, find: Callable[[Tickets, datetime], list[int]],
                  act: Callable[[Work, int], None]) -> list[Reply]:
        with self._uow_factory() as uow:
            work = Work(uow=uow, now=self._clock.now(), rules=self._rules)
            for ticket_id in find(uow.tickets, work.now):
                act(work, ticket_id)
            _owe(uow, work.replies, here=None)
            uow.commit()
        return work.replies

    def commands(self) -> list[tuple[str, Msg]]:
        return [("start", t("Report a problem")), ("mine", t("Problems I reported")),
                ("my", t("Tickets I handle")), ("t", t("One ticket and its history: /t LX-2026-000123")),
                ("new", t("Log a problem for an enterprise (cadres)")),
                ("digest", t("Last week's figures for your unit (leaders); /digest month")),
                ("ledger", t("问题台账 of your unit as an Excel file (leaders)")),
                ("complain", t("Report a cadre (举报)")),
                ("lang", t("Change language")), ("cancel", t("Cancel what you are doing"))]

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

    def group_commands(self) -> list[tuple[str, Msg]]:
        """What the bot answers in a group (handlers.groups), for the groups' command menu."""
        return [(digest.COMMAND, t("This group's unit: last week's figures; /digest month")),
                (groups.BIND, t("Follow a unit's digests here: /bind 新村镇 (admins)")),
                (groups.UNBIND, t("Stop this group's digests (admins)"))]

    def handle(self, incoming: Incoming) -> list[Reply]:
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
                        rules=self._rules)
            dispatch(turn)
            uow.conversations.save(turn.state)
            alerts = _owe(uow, turn.replies, here=turn.here)
            uow.commit()
        return alerts

    def _locale_for(self, language_code: str | None) -> str:
        return "en" if (language_code or "").lower().startswith("en") else self._default_locale


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


# The dialog a chat is in decides who takes its next message.
DIALOGS: dict[str, Callable[[Turn], None]] = {
    module.DIALOG: module.advance for module in (report, cadre, answer, feedback, consult, complaint, finding)
}


def dispatch(turn: Turn) -> None:
    incoming = turn.incoming
    if incoming.command:
        _command(turn, incoming.command, incoming.args.strip())
    elif incoming.is_press:  # empty data too: a press, never a message
        _press(turn, incoming.payload or "")
    elif advance := DIALOGS.get(turn.state.dialog):
        advance(turn)
    else:
        turn.say(t("Send /start to report a problem."))


def _command(turn: Turn, command: str, args: str) -> None:
    if command == "start" and args:
        cadre.bind(turn, args)
    elif command == "start":
        report.begin(turn)
    elif command == "new":
        report.begin_collection(turn)
    elif command == "complain":
        complaint.begin(turn)
    elif command == "cancel":
        report.cancel(turn)
    elif command in (lists.MY, lists.MINE):
        lists.show_page(turn, command, 0)
    elif command == digest.COMMAND:
        digest.show(turn, args)
    elif command == ledger.COMMAND:
        ledger.send(turn)
    elif command == "t" and args:
        lists.show_ticket(turn, turn.uow.tickets.by_number(args.upper()))
    elif command == "lang":
        turn.say(t("Choose your language."), (tuple(
            Button(plain(name), payloads.choice(LANG_STEP, code)) for code, name in LOCALES.items()),))
    else:
        turn.say(t("Unknown command. You can use /start, /mine, /my, /t, /new, /complain, /digest, /ledger, /lang "
                   "and /cancel."))
        _ask_again(turn)


def _press(turn: Turn, data: str) -> None:
    """A button: its payload decoded and checked once (handlers.payloads); one this bot did not
    make, or one naming something out of range, gets the out-of-date pop-up."""
    try:
        turn.pressed = payloads.decode(data)
        _typed_press(turn, turn.pressed)
    except payloads.PayloadError:
        turn.alert(t("This button is out of date."))


def _typed_press(turn: Turn, payload: payloads.Payload) -> None:
    state = turn.state
    if isinstance(payload, payloads.TicketPress):
        _ticket_press(turn, payload.action, payload.ticket_id)
    elif isinstance(payload, payloads.Pick) and state.dialog == complaint.DIALOG:
        complaint.choose(turn, payload.cadre_id)
    elif isinstance(payload, payloads.Pick):
        cadre.choose_receiver(turn, payload.cadre_id, payload.ticket_id or 0)
    elif isinstance(payload, payloads.Finding):
        finding.press(turn, payload.verdict, payload.complaint_id)
    elif isinstance(payload, payloads.Rating):
        feedback.rate(turn, payload.stars, payload.ticket_id)
    elif isinstance(payload, payloads.Page) and payload.listing in (lists.MY, lists.MINE):
        lists.show_page(turn, payload.listing, payload.page)
    elif isinstance(payload, payloads.Choice) and payload.step == LANG_STEP:
        _set_language(turn, payload.value)
    elif isinstance(payload, payloads.Choice) and state.dialog == report.DIALOG and payload.step == state.step:
        report.advance(turn)
    elif isinstance(payload, payloads.Choice) and state.dialog == cadre.DIALOG and payload.step == state.step:
        cadre.choose(turn, payload.value)
    else:
        turn.alert(t("This button is out of date."))


def _ticket_press(turn: Turn, action: str, ticket_id: int) -> None:
    """A button about one ticket; whoever pressed it is checked by the use case."""
    if action == answer.DIALOG:
        answer.press(turn, ticket_id)
    elif action in feedback.VERDICTS:
        feedback.press(turn, action, ticket_id)
    elif action in (revisit.STAYED, revisit.CAME_BACK):
        feedback.press_revisit(turn, action, ticket_id)
    elif action == lists.VIEW:
        lists.show_ticket(turn, turn.uow.tickets.get(ticket_id))
    elif action == lists.COMPLAIN:
        feedback.ask_complaint(turn, ticket_id)
    elif action in (lists.WITHDRAW, collect.DISOWN):
        feedback.ask_withdraw_reason(turn, ticket_id)
    elif action == collect.AFFIRM:
        feedback.press_affirm(turn, ticket_id)
    elif action == consult.REPLY:
        consult.press(turn, ticket_id)
    else:
        cadre.press(turn, action, ticket_id)


def _set_language(turn: Turn, locale: str) -> None:
    if locale not in LOCALES:
        turn.alert(t("This button is out of date."))
        return
    turn.uow.accounts.set_locale(turn.account.id, locale)
    turn.account.locale = locale
    turn.say(t("Language set to English."))
    _ask_again(turn)


def _ask_again(turn: Turn) -> None:
    if turn.state.dialog == report.DIALOG:
        report.ask(turn)
