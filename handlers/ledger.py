"""/ledger: a leader's 问题台账 — every problem of their unit's subtree, with its history — as
an Excel file. The core names the unit; the shell reads and writes the workbook when the
message is sent (bot/ledger.py), so the file shows the tickets as they are then."""

from __future__ import annotations

from handlers.digest import LEADER_ROLES
from handlers.messages import t
from handlers.router import Router
from handlers.seam import LEDGER, Attachment
from handlers.turn import Turn

COMMAND = "ledger"

router = Router("ledger")


@router.command(COMMAND, t("问题台账 of your unit as an Excel file (leaders)"))
def send(turn: Turn, args: str = "") -> None:
    cadre = turn.uow.directory.cadre_by_account(turn.account.id)
    if cadre is None or cadre.role not in LEADER_ROLES:
        turn.say(t("/ledger is for leaders and supervisors; your account is not one."))
        return
    unit = turn.uow.directory.org_unit(cadre.org_unit_id)
    if unit is None:
        turn.say(t("Your account has no unit; ask your office to check it."))
        return
    turn.say(t("问题台账 of {unit}: every problem and its history, as of now.", unit=unit.name),
             attachment=Attachment(LEDGER, {"unit_id": unit.id, "unit": unit.name}))
