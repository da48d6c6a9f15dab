"""The ticket card: what a ticket's owner reads and acts on, kept as one live message per
ticket and chat, edited in place as the ticket moves (the shell remembers which message is
live: handlers.seam.Card). Notices about the ticket are one line with one button that
brings the card, so a cadre's chat is not a wall of repeated descriptions and keyboards.

The card's buttons are contributed by the features that handle them (accept, hand over,
延期…) with where they sit and when they show; positions are explicit so the layout does not
depend on the order the features happen to be imported in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from handlers import payloads, provisional
from handlers.domain.categories import label
from handlers.domain.deadlines import running_due
from handlers.domain.events import EventKind
from handlers.domain.labels import (DIFFICULTY_LABELS, EVENT_LABELS, FLAG_LABELS, LADDER_LABELS, ROLE_LABELS,
                                    STAGE_LABELS, STATUS_LABELS, TIER_LABELS)
from handlers.domain.ladder import LADDER_EVENT
from handlers.domain.model import PARTLY, Account, Cadre, Ticket, TicketEvent
from handlers.messages import Msg, plain, t
from handlers.seam import FRESH, REFRESH, Address, Button, Card, Reply
from handlers.turn import Work

VIEW = "view"  # open one ticket's card (/t) from a list, a reminder or a notice
CARD_HISTORY = 4  # the latest events on a live card; /t shows them all
TITLE_LENGTH = 20  # characters of the description a notice names the ticket by


@dataclass(frozen=True)
class CardButton:
    action: str  # the ticket action its press carries (payloads.TicketPress)
    label: Msg
    row: int
    column: int
    shown: Callable[[Ticket], bool]  # whether it applies to the ticket as it is now


_BUTTONS: list[CardButton] = []
_IN_PLACE: set[str] = set()  # presses answered by turning the pressed message into the card


def answered_in_place(action: str) -> None:
    """A press of `action` that is not on a card (an offer to take a ticket over) answers by
    turning the pressed message into the card; a card's own buttons always do."""
    _IN_PLACE.add(action)


def button(action: str, label: Msg, *, row: int, column: int, shown: Callable[[Ticket], bool]) -> None:
    """Put a button on the owner's card (called once, by the feature that handles its press)."""
    if any((b.row, b.column) == (row, column) or b.action == action for b in _BUTTONS):
        raise ValueError(f"card button {action!r} at {row},{column} clashes with another")
    _BUTTONS.append(CardButton(action, label, row, column, shown))
    _BUTTONS.sort(key=lambda b: (b.row, b.column))


def owner_buttons(ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    """The buttons that apply to `ticket` now, row by row (a row with none is left out)."""
    assert ticket.id is not None
    rows: dict[int, list[Button]] = {}
    for b in _BUTTONS:
        if b.shown(ticket):
            rows.setdefault(b.row, []).append(Button(b.label, payloads.ticket_action(b.action, ticket.id)))
    return tuple(tuple(row) for _, row in sorted(rows.items()))


# --- the text ------------------------------------------------------------------------

def text(work: Work, ticket: Ticket, *, for_owner: bool, history: int | None = CARD_HISTORY) -> Msg:
    """The ticket as its owner (with the reporter's phone) or a 会商 co-handler sees it, with
    the latest `history` events (None: all of them, and the flag as of now: a live card, edited
    only when the ticket moves, would show yesterday's flag as today's)."""
    # 举报 stays out of the handlers' view: the cadre complained about must not learn of it here.
    events = [e for e in ticket.events if e.kind != EventKind.COMPLAINT_FILED]
    shown = events if history is None else events[-history:]
    lines = ("…\n" if len(shown) < len(events) else "") + "\n".join(
        f"{local_time(work, e.at)} {{e{i}}}" for i, e in enumerate(shown))
    params = {f"e{i}": event_label(work, e) for i, e in enumerate(shown)}
    phone = t("Reporter's phone: {phone}", phone=ticket.reporter_phone) if for_owner else plain("")
    return Msg("{card}\n{where}{assessed}{deadline}{phone}\n" + lines,
               {"card": head(work, ticket, STATUS_LABELS[ticket.status]), "where": _where(work, ticket), "assessed": _assessment(ticket),
                "deadline": _deadline(work, ticket, with_flag=history is None), "phone": phone, **params})


def head(work: Work, ticket: Ticket, status: Msg) -> Msg:
    """The card's first lines: number, class and `status` (the office's word, or the reporter's), who
    handles it, the problem."""
    owner = work.uow.directory.cadre(ticket.owner_cadre_id)
    return t("Ticket {number} · {category} · {status}\nHandled by {name} ({role})\nProblem: {description}",
             number=ticket.number, category=label(ticket.category), status=status,
             name=owner.name if owner else "", role=ROLE_LABELS[owner.role] if owner else plain(""),
             description=problem(ticket))


ERASED_PROBLEM = t("(erased at the reporter's request)")


def problem(ticket: Ticket) -> Msg:
    """The problem as the reporter described it; erased with their personal data (docs/privacy.md)."""
    return plain(ticket.description) if ticket.description else ERASED_PROBLEM


def title(ticket: Ticket) -> str | Msg:
    """What a one-line notice calls the ticket: the start of its description."""
    first = " ".join(ticket.description.split())
    if not first:
        return ERASED_PROBLEM
    return first if len(first) <= TITLE_LENGTH else first[:TITLE_LENGTH] + "…"


def event_label(work: Work, event: TicketEvent) -> Msg:
    if event.kind == EventKind.EXTENSION_GRANTED:  # the history keeps the deadline before and after
        return t("more time approved (延期): due {original} → {extended}",
                 original=provisional.shown(work, datetime.fromisoformat(event.data["original_due"])),
                 extended=provisional.shown(work, datetime.fromisoformat(event.data["extended_due"])))
    if event.kind == LADDER_EVENT:
        return LADDER_LABELS.get(event.data.get("rung", ""), plain(event.kind))
    if event.kind == EventKind.REOPENED and event.data.get("verdict") == PARTLY:
        return t("reporter said only partly solved: reopened (重办)")
    return EVENT_LABELS.get(event.kind, plain(event.kind))


def _where(work: Work, ticket: Ticket) -> Msg:
    """Who reported: the enterprise (one not yet in the register: as the owner gave it), or a resident of the grid."""
    if said := ticket.unregistered_enterprise:
        where: Msg = plain(f"{said['name']} · {said['credit_code']}")
    elif ticket.enterprise_id and (enterprise := work.uow.directory.enterprise(ticket.enterprise_id)):
        where = plain(enterprise.name)
    elif unit := work.uow.directory.org_unit(ticket.org_unit_id):
        where = t("resident, {area}", area=unit.name)
    else:
        return plain("")
    return t("From: {where}\n", where=where)


def _assessment(ticket: Ticket) -> Msg:
    if ticket.tier is None:
        return plain("")
    return t("Class: {tier}, {difficulty}\n", tier=TIER_LABELS[ticket.tier],
             difficulty=DIFFICULTY_LABELS[ticket.difficulty])


def _deadline(work: Work, ticket: Ticket, *, with_flag: bool) -> Msg:
    """What the ticket works against now, by when, and (`with_flag`) its flag now."""
    running = running_due(ticket)
    flag = work.rules.flag(ticket, work.now)
    if running is None or flag is None:
        return plain("")
    stage, due = running
    if not with_flag:
        return t("Due: {stage} by {day}\n", stage=STAGE_LABELS[stage], day=provisional.shown(work, due))
    return t("Due: {stage} by {day} · {flag}\n", stage=STAGE_LABELS[stage],
             day=provisional.shown(work, due), flag=FLAG_LABELS[flag])


def local_time(work: Work, moment: datetime) -> str:
    """When something happened, as a history line shows it: 12-14 09:30 in the office's time zone."""
    return moment.astimezone(work.rules.time_zone).strftime("%m-%d %H:%M")


# --- where it goes: the live card, notices ----------------------------------------------

def show(work: Work, account: Account, ticket: Ticket, body: Msg | None = None, **extra: object) -> None:
    """Send the owner the card anew, at the bottom of their chat (a new ticket, "open card",
    /t): it becomes the live one, and the card that was live loses its buttons."""
    work.tell(account, body or text(work, ticket, for_owner=True), owner_buttons(ticket), about=ticket,
              card=_card(ticket, FRESH), **extra)


def refresh(work: Work, ticket: Ticket) -> None:
    """The ticket moved: its owner's live card shows it as it is now, edited in place (or, on
    a press on one of its cards, that card: it becomes the live one). No live card, no message."""
    owner = work.uow.directory.cadre(ticket.owner_cadre_id)
    account = _account(work, owner)
    if account is not None:
        _place(work, account, ticket, text(work, ticket, for_owner=True), owner_buttons(ticket))


def hand_on(work: Work, ticket: Ticket, previous: Cadre | None) -> None:
    """The ticket left `previous`: their live card says who has it now, and keeps no buttons."""
    account = _account(work, previous)
    owner = work.uow.directory.cadre(ticket.owner_cadre_id)
    if account is not None and owner is not None:
        _place(work, account, ticket, t("Ticket {number} ({title}) is now handled by {name}.",
                                        number=ticket.number, title=title(ticket), name=owner.name), ())


def notify(work: Work, account: Account, ticket: Ticket, notice: Msg, **extra: object) -> None:
    """A notice about the ticket: one line, and one button that brings its card."""
    assert ticket.id is not None
    work.tell(account, notice, ((Button(t("Open card"), payloads.ticket_action(VIEW, ticket.id)),),),
              about=ticket, **extra)


def tell_owner(work: Work, ticket: Ticket, notice: Msg, **extra: object) -> None:
    """The owner's card brought up to date, and a one-line notice of what happened."""
    refresh(work, ticket)
    account = _account(work, work.uow.directory.cadre(ticket.owner_cadre_id))
    if account is not None:
        notify(work, account, ticket, notice, **extra)


def ask(work: Work, account: Account, ticket: Ticket, body: Msg, buttons: tuple[tuple[Button, ...], ...],
        answered: Msg) -> None:
    """A request about the ticket to someone who does not handle it (a leader asked for 延期), sent
    as that chat's card of the ticket so that the answer can take its buttons away (`settle`);
    `answered` is what it says if a newer request for the ticket replaces it."""
    assert ticket.id is not None
    work.tell(account, body, buttons, about=ticket, card=Card(ticket.id, answered, FRESH))


def settle(work: Work, account: Account, ticket: Ticket, body: Msg) -> None:
    """The request sent with `ask` is answered: its message says how, and keeps no buttons."""
    _place(work, account, ticket, body, ())


def _place(work: Work, account: Account, ticket: Ticket, body: Msg, buttons: tuple[tuple[Button, ...], ...]) -> None:
    """The card edited where it is: where the person pressed, else the live card. An edit is
    silent, so it is not held for office hours."""
    pressed = work.pressed_card(account, ticket, _IN_PLACE | {b.action for b in _BUTTONS})
    to = Address(account.platform, account.chat_id)
    # One edit per card and turn: an earlier one in this turn showed an older state.
    work.replies[:] = [r for r in work.replies if not (r.to == to and r.card and r.card.ticket_id == ticket.id
                                                       and r.card.mode == REFRESH)]
    work.replies.append(Reply(to, account.locale, body, buttons, edit_message_id=pressed,
                              ticket_id=ticket.id, card=_card(ticket, REFRESH)))


def _card(ticket: Ticket, mode: str) -> Card:
    assert ticket.id is not None
    return Card(ticket.id, t("Ticket {number} ({title}): this card is out of date; use the newest one.",
                             number=ticket.number, title=title(ticket)), mode)


def _account(work: Work, cadre: Cadre | None) -> Account | None:
    """The chat where the cadre reads cards; None for a cadre who is not (or no longer) in one."""
    account = work.uow.accounts.get(cadre.account_id) if cadre and cadre.account_id else None
    return None if account is None or account.erased else account
