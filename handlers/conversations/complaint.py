"""/complain: 举报 about a cadre, outside any ticket. Find the cadre by name, then write."""

from __future__ import annotations

from handlers import complaints, payloads
from handlers.turn import Turn
from handlers.domain.errors import DomainError
from handlers.messages import Msg, t
from handlers.seam import Button

DIALOG = "complaint"
WHO, TEXT = "who", "text"
SEARCH_LIMIT = 8
MAX_TEXT = 2000


def begin(turn: Turn) -> None:
    turn.state.dialog, turn.state.step, turn.state.data = DIALOG, WHO, {}
    turn.say(t("举报: which cadre is it about? Type part of their name. Only the business-environment supervisors "
               "will read what you write; the cadre will not learn who wrote it. /cancel to drop it."))


def choose(turn: Turn, cadre_id: int) -> None:
    cadre = turn.uow.directory.cadre(cadre_id)
    if turn.state.dialog != DIALOG or turn.state.step != WHO or cadre is None:
        turn.alert(t("This button is out of date."))
        return
    turn.state.step, turn.state.data = TEXT, {"cadre_id": cadre.id}
    turn.say(t("What happened with {name}? Write it in one message.", name=cadre.name))


def advance(turn: Turn) -> None:
    text = turn.typed_text(MAX_TEXT)
    if text is None:
        return
    if turn.state.step == WHO:
        _offer_cadres(turn, text)
        return
    cadre_id = int(turn.state.data["cadre_id"])
    turn.reset()
    try:
        complaints.about_cadre(turn, cadre_id, text)
    except DomainError as refusal:
        turn.say(refusal.reason)


def _offer_cadres(turn: Turn, text: str) -> None:
    found = turn.uow.directory.search_cadres(text, SEARCH_LIMIT)
    if not found:
        turn.say(t("No cadre matches “{query}”. Try another part of the name or unit.", query=text))
        return
    # Names and units only: a cadre's phone is not for whoever asks.
    turn.say(t("Which one?"), tuple((Button(Msg("{name} · {unit}", {"name": c.name, "unit": _unit(turn, c.org_unit_id)}),
                                            payloads.pick(c.id)),) for c in found))


def _unit(turn: Turn, org_unit_id: int) -> str:
    unit = turn.uow.directory.org_unit(org_unit_id)
    return unit.name if unit else ""
