"""/help: what this person can do here, by what they are — everyone can report; a cadre handles
tickets; a leader gets the figures; a supervisor the 举报; an admin binds leader groups. Short:
one screen, the commands and where the buttons are. (In a group: handlers.groups.)"""

from __future__ import annotations

from handlers.authority import admin_of
from handlers.digest import LEADER_ROLES
from handlers.domain.model import Cadre, CadreRole
from handlers.messages import Msg, t
from handlers.router import Router
from handlers.turn import Turn

router = Router("help")

REPORTER = t("To report a problem:\n/start report it (for an enterprise or as a resident)\n"
             "/mine the problems you reported and how far they are\n/t LX-2026-000123 one ticket and its history\n"
             "/complain report a cadre's conduct (举报)\n/lang language · /cancel stop what you are doing\n"
             "To add to an open report, just write here: you will be offered to add it.")
CADRE = t("As a cadre:\n/my the tickets you handle: press one for its card (accept, ask for more, resolve, "
          "transfer, classify, more time…)\n/new log a problem you found on a visit, for an enterprise")
LEADER = t("As a leader:\n/digest last week's figures for your unit (/digest month: last month)\n"
           "/ledger the 问题台账 of your unit as an Excel file\n"
           "Escalations and requests for more time from below come to you with buttons.")
SUPERVISOR = t("As a business-environment supervisor: 举报 about the cadres of your unit and below come to you; "
               "mark each upheld or not upheld, with a reason.")
PRIVACY = t("/mydata what is stored about you, and its erasure")
ADMIN = t("As an admin: /admin shows what you can do for your part of the org tree (add or disable cadres, "
          "包联, duty cadres, deadline policies, group robots, roles); send a spreadsheet to import units, cadres "
          "and enterprises (/import gives the template); /invite and /unbound for the cadres who have not bound "
          "their chat yet; in a leaders' group, send /bind followed by a unit's name there.")


@router.command("help", t("What you can do here"))
def show(turn: Turn, args: str) -> None:
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    turn.say(for_person(cadre, is_admin=admin_of(turn.uow.directory, turn.account.id) is not None))


def for_person(cadre: Cadre | None, is_admin: bool = False) -> Msg:
    """The parts that apply to this person, the reporter's last (anyone can report)."""
    parts: dict[str, Msg] = {}
    if cadre is not None:
        parts["cadre"] = CADRE
        if cadre.role in LEADER_ROLES:
            parts["leader"] = LEADER
        if cadre.role is CadreRole.SUPERVISOR:
            parts["supervisor"] = SUPERVISOR
        if is_admin:
            parts["admin"] = ADMIN
    parts["reporter"] = REPORTER
    parts["privacy"] = PRIVACY
    return Msg("\n\n".join(f"{{{name}}}" for name in parts), parts)
