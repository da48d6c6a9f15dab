"""/my (a cadre's open tickets), /mine (what I reported), /t <number> (one ticket and its history).

Lists are paged with buttons; each ticket opens with one press. Who may see a
ticket is decided here, against the database: its owner and its reporter; the
reporter's phone only to the owner. 会商 co-handlers see the ticket, not the phone.
"""

from __future__ import annotations

from datetime import datetime

from handlers import card, payloads, provisional, services
from handlers.domain.events import EventKind
from handlers.turn import Turn
from handlers.domain.categories import label
from handlers.domain.deadlines import running_due
from handlers.domain.labels import FLAG_MARKS, REPORTER_EVENT_LABELS, REPORTER_STATUS_LABELS, STATUS_LABELS
from handlers.domain.lifecycle import OPEN, is_open
from handlers.domain.model import PARTLY, Ticket, TicketEvent
from handlers.messages import Msg, plain, t
from handlers.payloads import Page, TicketPress
from handlers.router import Router
from handlers.seam import Button

PAGE_SIZE = 8
MY, MINE = "my", "mine"
VIEW = services.VIEW
WITHDRAW, COMPLAIN = "withdraw", "complain"

router = Router("lists")


@router.command(MINE, t("Problems I reported"))
@router.command(MY, t("Tickets I handle"))
def _list_command(turn: Turn, args: str) -> None:
    show_page(turn, turn.incoming.command or MY, 0)


@router.press(Page, MY)
@router.press(Page, MINE)
def _list_page(turn: Turn, page: Page) -> None:
    show_page(turn, page.listing, page.page)


@router.command("t", t("One ticket and its history: /t LX-2026-000123"), needs_args=True)
def _ticket_command(turn: Turn, number: str) -> None:
    show_ticket(turn, turn.uow.tickets.by_number(number.upper()))


@router.press(TicketPress, VIEW)
def _view(turn: Turn, press: TicketPress) -> None:
    show_ticket(turn, turn.uow.tickets.get(press.ticket_id))


def show_page(turn: Turn, which: str, page: int) -> None:
    if which == MY:
        cadre = turn.uow.directory.cadre_by_account(turn.account.id)
        if cadre is None:
            turn.say(t("/my lists a cadre's tickets; your account is not bound to a cadre."))
            return
        tickets, total = turn.uow.tickets.page_for_owner(cadre.id, OPEN, page * PAGE_SIZE, PAGE_SIZE)
        heading = t("Your open tickets: {total}", total=total)
        marks, statuses = [_mark(turn, x) for x in tickets], STATUS_LABELS
        dues = [running[1] if (running := running_due(x)) else None for x in tickets]
    else:  # a reporter's own: no flags, the date they were promised
        tickets, total = turn.uow.tickets.page_for_reporter(turn.account.id, page * PAGE_SIZE, PAGE_SIZE)
        heading = t("Problems you reported: {total}", total=total)
        marks, statuses = [""] * len(tickets), REPORTER_STATUS_LABELS
        dues = [_settle_due(x) for x in tickets]
    if total == 0:
        turn.say(t("Nothing here yet."))
        return
    lines = "\n".join(f"{marks[i]}{x.number} · {{c{i}}} · {{s{i}}}" + (f" · ⏰ {{d{i}}}" if dues[i] else "")
                      for i, x in enumerate(tickets))
    params = {f"c{i}": label(x.category) for i, x in enumerate(tickets)}
    params |= {f"s{i}": statuses[x.status] for i, x in enumerate(tickets)}
    params |= {f"d{i}": provisional.shown(turn, due, "%m-%d") for i, due in enumerate(dues) if due}
    turn.say(Msg("{heading}\n" + lines, {"heading": heading, **params}), _open_buttons(tickets) + _pager(which, page, total))


def _mark(turn: Turn, ticket: Ticket) -> str:
    """红绿黑旗 in front of an open ticket that runs against a deadline."""
    flag = turn.rules.flag(ticket, turn.now)
    return f"{FLAG_MARKS[flag]} " if flag else ""


def _settle_due(ticket: Ticket) -> datetime | None:
    """The date an open ticket is promised to be settled by (what a reporter plans around)."""
    return ticket.settle_due_at if is_open(ticket.status) else None


def _open_buttons(tickets: list[Ticket]) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(plain(x.number), payloads.ticket_action(VIEW, _stored(x))) for x in tickets]
    return tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))


def _stored(ticket: Ticket) -> int:
    assert ticket.id is not None, "a listed ticket has been stored"
    return ticket.id


def _pager(which: str, page: int, total: int) -> tuple[tuple[Button, ...], ...]:
    row = []
    if page > 0:
        row.append(Button(t("‹ Previous"), payloads.page(which, page - 1)))
    if (page + 1) * PAGE_SIZE < total:
        row.append(Button(t("Next ›"), payloads.page(which, page + 1)))
    return (tuple(row),) if row else ()


def show_ticket(turn: Turn, ticket: Ticket | None) -> None:
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    is_owner = ticket is not None and cadre is not None and cadre.id == ticket.owner_cadre_id
    is_reporter = ticket is not None and ticket.reporter_account_id == turn.account.id
    is_co_handler = ticket is not None and cadre is not None and cadre.id in ticket.co_handlers
    if ticket is None or not (is_owner or is_reporter or is_co_handler):
        turn.say(t("No ticket with that number among yours."))
        return
    if not (is_owner or is_co_handler):
        show_to_reporter(turn, ticket)
        return
    text = card.text(turn, ticket, for_owner=is_owner, history=None)
    if is_owner:  # the owner's view is the ticket's live card: its buttons are the only live ones
        card.show(turn, turn.account, ticket, text)
        return
    turn.say(text)  # a 会商 co-handler's: the ticket, no phone, no buttons


def show_to_reporter(turn: Turn, ticket: Ticket) -> None:
    """The reporter's view: what was done, by whom, and when to expect it, in plain words."""
    events = [e for e in ticket.events if e.kind in REPORTER_EVENT_LABELS or e.kind == EventKind.EXTENSION_GRANTED]
    history = "\n".join(f"{card.local_time(turn, e.at)} {{e{i}}}" for i, e in enumerate(events))
    params = {f"e{i}": _reporter_event_label(turn, e) for i, e in enumerate(events)}
    head = card.head(turn, ticket, REPORTER_STATUS_LABELS[ticket.status])
    due = _settle_due(ticket)
    expect = t("Expected to be settled by {day}\n", day=provisional.shown(turn, due)) if due else plain("")
    turn.say(Msg("{card}\n{expect}" + history, {"card": head, "expect": expect, **params}), _reporter_buttons(ticket))


def _reporter_event_label(turn: Turn, event: TicketEvent) -> Msg:
    if event.kind == EventKind.REOPENED and event.data.get("verdict") == PARTLY:
        return t("you said it is only partly solved: handled again")
    if event.kind == EventKind.EXTENSION_GRANTED:
        return t("more time given: now expected by {day}",
                 day=provisional.shown(turn, datetime.fromisoformat(event.data["extended_due"])))
    return REPORTER_EVENT_LABELS[event.kind]


def _reporter_buttons(ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    if ticket.id is None:
        return ()
    complain = Button(t("Complain (举报)"), payloads.ticket_action(COMPLAIN, ticket.id))
    if is_open(ticket.status):
        return ((Button(t("Withdraw"), payloads.ticket_action(WITHDRAW, ticket.id)), complain),)
    return ((complain,),)
