"""The cadre's side: binding an account by invite, the cadre dialog that ticket buttons open,
and the card's own buttons (接单, 需补充, 办结).

Most card buttons need a line of text first (the question for the reporter, the resolution
note, the reason for a hand-over…): the press checks the ticket and asks (`await_text`); the
step registered with `text_step` takes the text. Each feature registers its own steps and
buttons (handover, extension, assess, consult); this module is what they share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers import card, payloads, services
from handlers.domain.errors import OutOfDate, Retype
from handlers.domain.lifecycle import TRANSITIONS, Action, is_open
from handlers.domain.model import Cadre, CadreRole, InviteRefusal, Refused, Ticket
from handlers.messages import Msg, plain, t
from handlers.payloads import Pick, TicketPress
from handlers.ports import Dialog
from handlers.router import Router
from handlers.seam import Button
from handlers.turn import Turn

DIALOG = Dialog.CADRE
MAX_TEXT = 2000
SEARCH_LIMIT = 8
MAX_QUERY = 50  # a search for a cadre: part of a name or unit; never echoed back longer

router = Router("cadre")

Question = Callable[[Turn, str], Msg]  # a step's question, given the ticket's number ("" when it goes unsaid)


@dataclass(frozen=True)
class Typed:
    """What the cadre typed at a step, with what the dialog held when they did."""

    ticket_id: int
    text: str
    photos: tuple[str, ...]
    data: dict[str, Any]


_QUESTIONS: dict[str, Question] = {}


def bind(turn: Turn, token: str) -> None:
    """/start <token> from an invite link: this chat account becomes that cadre's."""
    bound = turn.uow.invites.redeem(token, turn.account.id, turn.now)
    if isinstance(bound, Refused):
        turn.say(_refusal(turn, bound))
        return
    unit = turn.uow.directory.org_unit(bound.org_unit_id)
    turn.say(t("Welcome, {name} ({role}, {unit}). Tickets assigned to you will arrive here.",
               name=bound.name, role=services.role_label(bound), unit=plain(unit.name if unit else "")))


def _refusal(turn: Turn, refused: Refused) -> Msg:
    """Why an invite link did not bind, and what to do instead."""
    if refused.reason is InviteRefusal.EXPIRED and refused.expired_at is not None:
        return t("This invite link expired on {day}. Ask your office's admin for a new one: they can send you one "
                 "with /invite followed by your unit.",
                 day=refused.expired_at.astimezone(turn.rules.time_zone).strftime("%Y-%m-%d %H:%M"))
    if refused.reason is InviteRefusal.USED:
        return t("This invite link has been used already: each link binds one chat, once. If that was not you, "
                 "tell your office's admin; they can send you a new link with /invite followed by your unit.")
    if refused.reason is InviteRefusal.OTHER_CADRE and refused.cadre is not None:
        return t("This chat already belongs to the cadre {name}: one chat is one cadre. Open the invite link "
                 "from the chat of the person it was made for.", name=refused.cadre.name)
    return t("This invite link is not valid: it may have been cut off when it was copied. Open the whole link "
             "again, or ask your office's admin for a new one.")


# --- the text steps ---------------------------------------------------------

def text_step(feature: Router, step: str, question: Question, *, photos: bool = False,
              ends: bool = True) -> Callable[[Callable[[Turn, Typed], None]], Callable[[Turn, Typed], None]]:
    """Register a step of the cadre dialog that waits for 1 to MAX_TEXT characters (or, with
    `photos`, photos alone). Bad text is refused and the question asked again. `ends`: the
    dialog is over once the text is taken (a refusal then comes as a message, the state reset),
    unless `take` raises Retype: then the same question is asked again."""
    def register(take: Callable[[Turn, Typed], None]) -> Callable[[Turn, Typed], None]:
        if step in _QUESTIONS:
            raise ValueError(f"cadre step {step!r} registered twice")
        _QUESTIONS[step] = question
        feature.step(DIALOG, step)(lambda turn: _take_text(turn, step, take, photos, ends))
        return take
    return register


def _take_text(turn: Turn, step: str, take: Callable[[Turn, Typed], None], photos_allowed: bool, ends: bool) -> None:
    ticket_id = int(turn.state.data["ticket_id"])
    text = (turn.incoming.text or "").strip()
    photos = turn.incoming.photo_file_ids if photos_allowed else ()
    if (not text and not photos) or len(text) > MAX_TEXT:
        turn.say(t("Please type a text of 1 to {limit} characters.", limit=MAX_TEXT))
        ticket = turn.uow.tickets.get(ticket_id)
        ask_text(turn, step, ticket.number if ticket else "")
        return
    typed = Typed(ticket_id, text, photos, dict(turn.state.data))
    if ends:
        turn.reset()
    try:
        take(turn, typed)
    except Retype as wrong:  # a typo: say what is wrong and ask the same question again
        turn.state.dialog, turn.state.step, turn.state.data = DIALOG, step, typed.data
        turn.say(wrong.reason)
        ticket = turn.uow.tickets.get(ticket_id)
        ask_text(turn, step, ticket.number if ticket else "")


def await_text(turn: Turn, step: str, ticket: Ticket) -> None:
    """The pressed button needs a line of text first: ask for it; the step's handler takes it."""
    turn.state.dialog, turn.state.step, turn.state.data = DIALOG, step, {"ticket_id": ticket.id}
    ask_text(turn, step, ticket.number)


def ask_text(turn: Turn, step: str, number: str) -> None:
    turn.say(_QUESTIONS[step](turn, number))


def asks_text(feature: Router, action: str, check: Callable[[Turn, int], Ticket], step: str | None = None) -> None:
    """A card button whose press asks for a line of text (at `step`, by default the action's
    name) once `check` has found the ticket is the presser's to act on."""
    @feature.press(TicketPress, action)
    def pressed(turn: Turn, press: TicketPress) -> None:
        await_text(turn, step or action, check(turn, press.ticket_id))


def owned(needs: Action | None = None) -> Callable[[Turn, int], Ticket]:
    """A check for `asks_text`: the presser owns the ticket and may take `needs` (None: any open step)."""
    return lambda turn, ticket_id: services.owned_by(turn, turn.account.id, ticket_id, needs)[0]


# --- finding a cadre (for a hand-over or a 会商) -----------------------------

def offer_cadres(prompt: Msg) -> Callable[[Turn, Typed], None]:
    """A search step: the typed text finds cadres (never the searcher), offered as buttons."""
    def search(turn: Turn, typed: Typed) -> None:
        if too_long_to_search(turn, typed.text):
            return
        me = turn.uow.directory.cadre_by_account(turn.account.id)
        found = [c for c in turn.uow.directory.search_cadres(typed.text, SEARCH_LIMIT) if me is None or c.id != me.id]
        if not found:
            turn.say(t("No cadre matches “{query}”. Try another part of the name or unit.", query=typed.text))
            return
        turn.say(prompt, tuple((Button(cadre_label(turn, c), payloads.pick(c.id, typed.ticket_id)),) for c in found))
    return search


def too_long_to_search(turn: Turn, query: str) -> bool:
    """A query no name or unit is that long: say so (without echoing it) and search nothing."""
    if len(query) <= MAX_QUERY:
        return False
    turn.say(t("That is too long for a search. Type part of a name or unit (at most {limit} characters).",
               limit=MAX_QUERY))
    return True


def picked(next_step: str) -> Callable[[Turn, Pick], None]:
    """A cadre picked from the search results: now the text of `next_step` (a reason, a question)."""
    def choose(turn: Turn, pick: Pick) -> None:
        if pick.ticket_id is None or turn.state.data.get("ticket_id") != pick.ticket_id:
            raise OutOfDate()
        turn.state.step = next_step
        turn.state.data["to"] = pick.cadre_id
        ask_text(turn, next_step, "")
    return choose


def cadre_label(turn: Turn, cadre: Cadre) -> Msg:
    """Name and role, and a department handler's department (their role alone says little)."""
    if cadre.role is CadreRole.DEPARTMENT and (unit := turn.uow.directory.org_unit(cadre.org_unit_id)):
        return Msg("{name} · {unit}", {"name": cadre.name, "unit": plain(unit.name)})
    return Msg("{name} · {role}", {"name": cadre.name, "role": services.role_label(cadre)})


# --- the card's own buttons: 接单, 需补充, 办结 ------------------------------

@router.press(TicketPress, services.ACCEPT)
def _accept(turn: Turn, press: TicketPress) -> None:
    ticket = services.accept(services.Accept(press.ticket_id, by=turn.account.id), turn)  # the card is edited
    turn.say(t("You accepted ticket {number}. Press Resolve when it is settled.", number=ticket.number))


asks_text(router, services.ASK, owned())
asks_text(router, services.RESOLVE, owned(Action.RESOLVE))


@text_step(router, services.ASK, lambda turn, number: t(
    "Type your question for the reporter of {number}. /cancel to drop it.", number=number), photos=True)
def _ask(turn: Turn, typed: Typed) -> None:
    ticket = services.ask_reporter(services.AskReporter(typed.ticket_id, turn.account.id, typed.text, typed.photos),
                                   turn)
    turn.say(t("Your question on {number} was sent to the reporter.", number=ticket.number))


@text_step(router, services.RESOLVE, lambda turn, number: t(
    "Type a short note on how {number} was settled; the reporter will see it. /cancel to drop it.", number=number))
def _resolve(turn: Turn, typed: Typed) -> None:
    ticket = services.resolve(services.Resolve(typed.ticket_id, turn.account.id, typed.text), turn)
    turn.say(t("Ticket {number} is resolved. The reporter has been told.", number=ticket.number))


card.button(services.ACCEPT, t("Accept"), row=0, column=0,
            shown=lambda ticket: ticket.status in TRANSITIONS[Action.ACCEPT].sources)
card.button(services.ASK, t("Ask for more"), row=0, column=1, shown=lambda ticket: is_open(ticket.status))
card.button(services.RESOLVE, t("Resolve"), row=0, column=2, shown=lambda ticket: is_open(ticket.status))
