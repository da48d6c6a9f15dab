"""The cadre's side: binding an account by invite, and the buttons on a ticket.

接单 accepts at once; 需补充 and 办结 each ask for one line of text first
(the question for the reporter, the resolution note).
"""

from __future__ import annotations

from handlers import assess, consult, extension, handover, payloads, services
from handlers.turn import Turn
from handlers.domain.errors import DomainError
from handlers.domain.labels import DIFFICULTY_LABELS, TIER_LABELS
from handlers.domain.lifecycle import Action
from handlers.domain.model import Cadre, CadreRole, Difficulty, Ticket, Tier
from handlers.messages import Msg, plain, t
from handlers.seam import Button

DIALOG = "cadre"
MAX_TEXT = 2000


def bind(turn: Turn, token: str) -> None:
    """/start <token> from an invite link: this chat account becomes that cadre's."""
    cadre = turn.uow.invites.redeem(token, turn.account.id, turn.now)
    if cadre is None:
        turn.say(t("This invite link is invalid, expired or already used. Ask your office for a new one."))
        return
    unit = turn.uow.directory.org_unit(cadre.org_unit_id)
    turn.say(t("Welcome, {name} ({role}, {unit}). Tickets assigned to you will arrive here.",
               name=cadre.name, role=services.role_label(cadre), unit=plain(unit.name if unit else "")))


SEARCH_LIMIT = 8
TRANSFER_REASON, REFUSE_REASON, CONSULT_QUESTION = "transfer_reason", "refuse_reason", "consult_question"
EXTEND_REASON, EXTENSION_REFUSAL = "extend_reason", "extension_refusal"  # 延期: after the days; the leader's no
TIER, DIFFICULTY = "tier", "difficulty"  # the two choices of 研判
TEXT_ACTIONS = (services.ASK, services.RESOLVE, services.TRANSFER, services.SEND_BACK, services.ESCALATE,
                services.CONSULT, services.LINK)


def press(turn: Turn, action: str, ticket_id: int) -> None:
    """A button on a ticket card. Re-checked against the database, whoever pressed it."""
    try:
        if action == services.ACCEPT:
            services.accept(turn, ticket_id)
        elif action == services.TAKE_OVER:
            handover.take_over(turn, ticket_id)
        elif action == services.REFUSE:
            _await_text(turn, REFUSE_REASON, handover.offered_ticket(turn, ticket_id)[0])
        elif action in TEXT_ACTIONS:
            needs = {services.RESOLVE: Action.RESOLVE, services.SEND_BACK: Action.SEND_BACK}.get(action)
            _await_text(turn, action, services.owned_ticket(turn, ticket_id, needs)[0])
        elif action == services.EXTEND:
            _await_text(turn, action, extension.extendable_ticket(turn, ticket_id))
        elif action == extension.APPROVE:
            extension.approve(turn, ticket_id)
        elif action == extension.REFUSE:
            _await_text(turn, EXTENSION_REFUSAL, extension.asked_ticket(turn, ticket_id)[0])
        elif action == services.CLASSIFY:
            services.owned_ticket(turn, ticket_id)
            turn.state.dialog, turn.state.step, turn.state.data = DIALOG, TIER, {"ticket_id": ticket_id}
            _ask_choice(turn)
        else:
            turn.alert(t("This button is out of date."))
    except DomainError as refusal:
        turn.alert(refusal.reason)


def _await_text(turn: Turn, step: str, ticket: Ticket) -> None:
    """The pressed button needs a line of text first: ask for it; `advance` takes it."""
    turn.state.dialog, turn.state.step, turn.state.data = DIALOG, step, {"ticket_id": ticket.id}
    _ask_text(turn, step, ticket.number)


def choose_receiver(turn: Turn, receiver_id: int, ticket_id: int) -> None:
    """A cadre picked from the search results: now the reason for the hand-over (or the 会商 question)."""
    searching = turn.state.step if turn.state.dialog == DIALOG else ""
    if searching not in (services.TRANSFER, services.CONSULT) or turn.state.data.get("ticket_id") != ticket_id:
        turn.alert(t("This button is out of date."))
        return
    turn.state.step = TRANSFER_REASON if searching == services.TRANSFER else CONSULT_QUESTION
    turn.state.data["to"] = receiver_id
    _ask_text(turn, turn.state.step, "")


def choose(turn: Turn, value: str) -> None:
    """A 研判 choice: the tier first, then the difficulty, then it is recorded."""
    ticket_id = int(turn.state.data["ticket_id"])
    if turn.state.step == TIER and value in Tier.__members__:
        turn.state.data["tier"], turn.state.step = value, DIFFICULTY
        _ask_choice(turn)
    elif turn.state.step == DIFFICULTY and value in {d.value for d in Difficulty}:
        tier = Tier(turn.state.data["tier"])
        turn.reset()
        try:
            assess.classify(turn, ticket_id, tier, Difficulty(value))
        except DomainError as refusal:
            turn.say(refusal.reason)
    else:
        turn.alert(t("This button is out of date."))


def _ask_choice(turn: Turn) -> None:
    if turn.state.step == TIER:
        turn.say(t("研判: which class is it?"),
                 tuple((Button(label, payloads.choice(TIER, tier.value)),) for tier, label in TIER_LABELS.items()))
    else:
        turn.say(t("And how hard is it?"), (tuple(Button(label, payloads.choice(DIFFICULTY, level.value))
                                                 for level, label in DIFFICULTY_LABELS.items()),))


def _ask_text(turn: Turn, action: str, number: str) -> None:
    if action == TRANSFER_REASON:
        turn.say(t("Why should they take it over? The reason goes with the ticket."))
    elif action == REFUSE_REASON:
        turn.say(t("Why do you refuse {number}? The owner will see your reason.", number=number))
    elif action == services.ESCALATE:
        turn.say(t("Why does {number} need the leader above? It stays yours until they take it. /cancel to drop it.",
                   number=number))
    elif action == services.SEND_BACK:
        turn.say(t("Why is {number} not yours to handle? It goes back to whoever assigned it. /cancel to drop it.",
                   number=number))
    elif action == services.TRANSFER:
        turn.say(t("Who takes over {number}? Type part of a cadre's name or of their unit. /cancel to drop it.",
                   number=number))
    elif action == services.CONSULT:
        turn.say(t("Whose view do you need on {number}? Type part of a cadre's name or of their department. "
                   "/cancel to drop it.", number=number))
    elif action == CONSULT_QUESTION:
        turn.say(t("What do you ask them? They will see the problem and your question."))
    elif action == services.LINK:
        turn.say(t("Which ticket has the same problem as {number}? Type its number, e.g. LX-2026-000123. "
                   "/cancel to drop it.", number=number))
    elif action == services.ASK:
        turn.say(t("Type your question for the reporter of {number}. /cancel to drop it.", number=number))
    elif action == services.EXTEND:
        turn.say(t("How many more working days does {number} need? Type a number from 1 to {limit}. "
                   "/cancel to drop it.", number=number, limit=turn.rules.max_extension_days))
    elif action == EXTEND_REASON:
        turn.say(t("Why is more time needed? The leader who decides will see your reason."))
    elif action == EXTENSION_REFUSAL:
        turn.say(t("Why do you refuse more time on {number}? The owner will see your reason.", number=number))
    else:
        turn.say(t("Type a short note on how {number} was settled; the reporter will see it. /cancel to drop it.",
                   number=number))


def advance(turn: Turn) -> None:
    """The text that a pressed 需补充 / 办结 was waiting for."""
    action, ticket_id = turn.state.step, int(turn.state.data["ticket_id"])
    text = (turn.incoming.text or "").strip()
    photos = turn.incoming.photo_file_ids if action == services.ASK else ()
    if (not text and not photos) or len(text) > MAX_TEXT:
        turn.say(t("Please type a text of 1 to {limit} characters.", limit=MAX_TEXT))
        ticket = turn.uow.tickets.get(ticket_id)
        _ask_text(turn, action, ticket.number if ticket else "")
        return
    if action in (services.TRANSFER, services.CONSULT):
        _offer_cadres(turn, ticket_id, text)
        return
    if action == services.EXTEND:
        _take_days(turn, text)
        return
    to, days = turn.state.data.get("to"), turn.state.data.get("days")
    turn.reset()
    try:
        if action == services.ASK:
            services.ask_reporter(turn, ticket_id, text, photos)
        elif action == TRANSFER_REASON:
            handover.offer_handover(turn, ticket_id, int(to), text)
        elif action == CONSULT_QUESTION:
            consult.request(turn, ticket_id, int(to), text)
        elif action == services.LINK:
            assess.link(turn, ticket_id, text)
        elif action == REFUSE_REASON:
            handover.refuse_handover(turn, ticket_id, text)
        elif action == services.SEND_BACK:
            handover.send_back(turn, ticket_id, text)
        elif action == services.ESCALATE:
            handover.escalate(turn, ticket_id, text)
        elif action == EXTEND_REASON:
            extension.request(turn, ticket_id, int(days), text)
        elif action == EXTENSION_REFUSAL:
            extension.refuse(turn, ticket_id, text)
        else:
            services.resolve(turn, ticket_id, text)
    except DomainError as refusal:
        turn.say(refusal.reason)


def _take_days(turn: Turn, text: str) -> None:
    """延期: the working days asked for; anything but a whole number in range is asked again."""
    limit = turn.rules.max_extension_days
    days = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= days <= limit:
        turn.say(t("Please type a whole number of working days from 1 to {limit}.", limit=limit))
        return
    turn.state.step, turn.state.data["days"] = EXTEND_REASON, days
    _ask_text(turn, EXTEND_REASON, "")


def _offer_cadres(turn: Turn, ticket_id: int, text: str) -> None:
    me = turn.uow.directory.cadre_by_account(turn.account.id)
    found = [c for c in turn.uow.directory.search_cadres(text, SEARCH_LIMIT) if me is None or c.id != me.id]
    if not found:
        turn.say(t("No cadre matches “{query}”. Try another part of the name or unit.", query=text))
        return
    buttons = tuple((Button(cadre_label(turn, c), payloads.pick(c.id, ticket_id)),) for c in found)
    turn.say(t("Whom do you hand it over to?") if turn.state.step == services.TRANSFER
             else t("Whose view do you ask?"), buttons)


def cadre_label(turn: Turn, cadre: Cadre) -> Msg:
    """Name and role, and a department handler's department (their role alone says little)."""
    if cadre.role is CadreRole.DEPARTMENT and (unit := turn.uow.directory.org_unit(cadre.org_unit_id)):
        return Msg("{name} · {unit}", {"name": cadre.name, "unit": plain(unit.name)})
    return Msg("{name} · {role}", {"name": cadre.name, "role": services.role_label(cadre)})
