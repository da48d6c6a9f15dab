"""/complain: 举报 about a cadre, outside any ticket. Find the cadre by name, then write."""

from __future__ import annotations

from handlers import complaints, payloads
from handlers.domain.errors import OutOfDate
from handlers.messages import Msg, t
from handlers.payloads import Pick
from handlers.ports import Dialog
from handlers.router import Router
from handlers.seam import Button
from handlers.turn import Turn

DIALOG = Dialog.COMPLAINT
WHO, TEXT = "who", "text"
SEARCH_LIMIT = 8
MAX_TEXT = 2000

router = Router("complaint")


@router.command("complain", t("Report a cadre (举报)"))
def begin(turn: Turn, args: str = "") -> None:
    turn.state.dialog, turn.state.step, turn.state.data = DIALOG, WHO, {}
    turn.say(t("举报: which cadre is it about? Type part of their name. Only the business-environment supervisors "
               "will read what you write; the cadre will not learn who wrote it. /cancel to drop it."))


@router.text_step(DIALOG, WHO, limit=MAX_TEXT)
def _offer_cadres(turn: Turn, text: str) -> None:
    found = turn.uow.directory.search_cadres(text, SEARCH_LIMIT)
    if not found:
        turn.say(t("No cadre matches “{query}”. Try another part of the name or unit.", query=text))
        return
    # Names and units only: a cadre's phone is not for whoever asks.
    turn.say(t("Which one?"), tuple((Button(Msg("{name} · {unit}", {"name": c.name, "unit": _unit(turn, c.org_unit_id)}),
                                            payloads.pick(c.id)),) for c in found))


@router.step_press(DIALOG, WHO, Pick)
def choose(turn: Turn, pick: Pick) -> None:
    cadre = turn.uow.directory.cadre(pick.cadre_id)
    if cadre is None:
        raise OutOfDate()
    turn.state.step, turn.state.data = TEXT, {"cadre_id": cadre.id}
    turn.say(t("What happened with {name}? Write it in one message.", name=cadre.name))


@router.text_step(DIALOG, TEXT, limit=MAX_TEXT)
def _write(turn: Turn, text: str) -> None:
    cadre_id = int(turn.state.data["cadre_id"])
    turn.reset()
    cadre = complaints.about_cadre(complaints.ComplainAboutCadre(cadre_id, turn.account.id, text), turn)
    turn.say(t("Your complaint about {name} went to the business-environment supervisors. "
               "{name} will not learn who wrote it.", name=cadre.name))


def _unit(turn: Turn, org_unit_id: int) -> str:
    unit = turn.uow.directory.org_unit(org_unit_id)
    return unit.name if unit else ""
