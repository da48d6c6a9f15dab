"""A supervisor's finding on a 举报: the button says 属实 / 不属实, one line then says why —
for the record and for the complainant — and the supervisor goes back to what they were doing."""

from __future__ import annotations

from handlers import complaints
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.domain.model import Finding
from handlers.messages import t
from handlers.payloads import Finding as FindingPress
from handlers.ports import Dialog
from handlers.router import Router
from handlers.turn import Turn

DIALOG = Dialog.FINDING  # its step is the finding pressed
MAX_TEXT = 500

router = Router("finding")


@router.press(FindingPress)
def press(turn: Turn, press: FindingPress) -> None:
    complaints.findable(turn, turn.account.id, press.verdict, press.complaint_id)
    turn.state.interrupt(DIALOG, press.verdict, {"complaint_id": press.complaint_id})
    turn.say(t("Why is it {finding}? One line for the record; the complainant will read it, the cadre will not. "
               "/cancel to drop it.", finding=complaints.FINDING_LABELS[Finding(press.verdict)]))


@router.text_step(DIALOG, *Finding, limit=MAX_TEXT, then=back_to_what_was_under_way)
def reason(turn: Turn, text: str) -> None:
    finding = Finding(turn.state.step)
    complaints.find(complaints.Find(turn.state.data["complaint_id"], turn.account.id, finding, text), turn)
    turn.say(t("Recorded: 举报 found {finding}.", finding=complaints.FINDING_LABELS[finding]))
