"""A supervisor's finding on a 举报: the button says 属实 / 不属实, one line then says why —
for the record and for the complainant — and the supervisor goes back to what they were doing."""

from __future__ import annotations

from handlers import complaints
from handlers.conversations.answer import back_to_what_was_under_way
from handlers.domain.errors import DomainError
from handlers.domain.model import Finding
from handlers.messages import t
from handlers.turn import Turn

DIALOG = "finding"
MAX_TEXT = 500


def press(turn: Turn, finding: str, complaint_id: int) -> None:
    if complaints.findable(turn, finding, complaint_id) is None:
        return
    turn.state.interrupt(DIALOG, finding, {"complaint_id": complaint_id})
    turn.say(t("Why is it {finding}? One line for the record; the complainant will read it, the cadre will not. "
               "/cancel to drop it.", finding=complaints.FINDING_LABELS[Finding(finding)]))


def advance(turn: Turn) -> None:
    text = turn.typed_text(MAX_TEXT)
    if text is None:
        return
    try:
        complaints.find(turn, Finding(turn.state.step), turn.state.data["complaint_id"], text)
    except DomainError as refusal:
        turn.say(refusal.reason)
    back_to_what_was_under_way(turn)
