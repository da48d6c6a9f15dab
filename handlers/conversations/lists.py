"""/my (a cadre's open tickets), /mine (what I reported), /t <number> (one ticket and its history).

Lists are paged with buttons; each ticket opens with one press. Who may see a
ticket is decided here, against the database: its owner and its reporter; the
reporter's phone only to the owner. 会商 co-handlers see the ticket, not the phone.
"""

from __future__ import annotations

from handlers import card, payloads, services
from handlers.turn import Turn
from handlers.domain.categories import label
from handlers.domain.deadlines import running_due
from handlers.domain.flags import due_day
from handlers.domain.labels import FLAG_MARKS, STATUS_LABELS
from handlers.domain.lifecycle import OPEN, is_open
from handlers.domain.model import Ticket
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
    else:
        tickets, total = turn.uow.tickets.page_for_reporter(turn.account.id, page * PAGE_SIZE, PAGE_SIZE)
        heading = t("Problems you reported: {total}", total=total)
    if total == 0:
        turn.say(t("Nothing here yet."))
        return
    lines = "\n".join(f"{_mark(turn, x)}{x.number} · {{c{i}}} · {{s{i}}}{_due(turn, x)}"
                      for i, x in enumerate(tickets))
    params = {f"c{i}": label(x.category) for i, x in enumerate(tickets)}
    params |= {f"s{i}": STATUS_LABELS[x.status] for i, x in enumerate(tickets)}
    body = Msg("{heading}\n" + lines, {"heading": heading, **params})
    turn.say(body, _open_buttons(tickets) + _pager(which, page, total))


def _mark(turn: Turn, ticket: Ticket) -> str:
    """红绿黑旗 in front of an open ticket that runs against a deadline."""
    flag = turn.rules.flag(ticket, turn.now)
    return f"{FLAG_MARKS[flag]} " if flag else ""


def _due(turn: Turn, ticket: Ticket) -> str:
    running = running_due(ticket)
    return f" · ⏰ {due_day(running[1], turn.rules.time_zone):%m-%d}" if running else ""


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
    text = card.text(turn, ticket, for_owner=is_owner, for_reporter=is_reporter, history=None)
    if is_owner:  # the owner's view is the ticket's live card: its buttons are the only live ones
        card.show(turn, turn.account, ticket, text)
        return
    turn.say(text, _ticket_buttons(ticket, is_reporter))


def _ticket_buttons(ticket: Ticket, is_reporter: bool) -> tuple[tuple[Button, ...], ...]:
    if not is_reporter or ticket.id is None:
        return ()
    complain = Button(t("Complain (举报)"), payloads.ticket_action(COMPLAIN, ticket.id))
    if is_open(ticket.status):
        return ((Button(t("Withdraw"), payloads.ticket_action(WITHDRAW, ticket.id)), complain),)
    return ((complain,),)
