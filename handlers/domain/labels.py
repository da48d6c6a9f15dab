"""Display names of domain values, as translatable messages."""

from __future__ import annotations

from handlers.domain.deadlines import Stage
from handlers.domain.events import EventKind
from handlers.domain.flags import Flag
from handlers.domain.model import CadreRole, Difficulty, TicketStatus, Tier
from handlers.messages import Msg, t

ROLE_LABELS: dict[CadreRole, Msg] = {
    CadreRole.GRID_WORKER: t("grid worker"),
    CadreRole.BUTLER: t("service butler"),
    CadreRole.DEPARTMENT: t("department handler"),
    CadreRole.TOWNSHIP_LEADER: t("township leader"),
    CadreRole.DISTRICT_LEADER: t("district leader"),
    CadreRole.SUPERVISOR: t("business-environment supervisor"),
}

STATUS_LABELS: dict[TicketStatus, Msg] = {
    TicketStatus.ASSIGNED: t("assigned"),
    TicketStatus.ACCEPTED: t("accepted"),
    TicketStatus.RESOLVED: t("resolved"),
    TicketStatus.CONFIRMED: t("confirmed and closed"),
    TicketStatus.REOPENED: t("reopened"),
    TicketStatus.WITHDRAWN: t("withdrawn"),
}

TIER_LABELS: dict[Tier, Msg] = {
    Tier.A: t("A · on the spot (当场办)"),
    Tier.B: t("B · department (部门办)"),
    Tier.C: t("C · leader (领导办)"),
    Tier.D: t("D · policy / long-term"),
}

DIFFICULTY_LABELS: dict[Difficulty, Msg] = {
    Difficulty.GENERAL: t("general (一般)"),
    Difficulty.DIFFICULT: t("difficult (疑难)"),
}

FLAG_MARKS: dict[Flag, str] = {Flag.GREEN: "🟢", Flag.RED: "🔴", Flag.BLACK: "⚫"}

FLAG_LABELS: dict[Flag, Msg] = {
    Flag.GREEN: t("🟢 green flag: on time"),
    Flag.RED: t("🔴 red flag: due now or late"),
    Flag.BLACK: t("⚫ black flag: late past the hard limit"),
}

STAGE_LABELS: dict[Stage, Msg] = {
    Stage.ASSIGN: t("taking it up (交办)"),
    Stage.FIRST_ANSWER: t("first answer to the reporter"),
    Stage.SETTLE: t("settling it (办结)"),
}

LADDER_LABELS: dict[str, Msg] = {
    "remind": t("催办: the owner reminded of the deadline"),
    "supervise": t("督办: late; formal notice to the owner, leader in copy"),
    "escalate": t("黑旗: escalated to the leader above, listed in the weekly report"),
}

# What each history event is called in /t. Unknown kinds show their raw name.
EVENT_LABELS: dict[str, Msg] = {
    EventKind.SUBMITTED: t("reported"),
    EventKind.ASSIGNED: t("assigned to its handler"),
    EventKind.ACCEPTED: t("accepted (接单)"),
    EventKind.INFO_REQUESTED: t("handler asked for more"),
    EventKind.INFO_GIVEN: t("reporter answered"),
    EventKind.RESOLVED: t("resolved (办结)"),
    EventKind.CONFIRMED: t("reporter confirmed: solved (销号)"),
    EventKind.REOPENED: t("reporter said not solved: reopened (重办)"),
    EventKind.RATED: t("reporter rated it"),
    EventKind.COMMENTED: t("reporter commented"),
    EventKind.WITHDRAWN: t("withdrawn by the reporter"),
    EventKind.HANDOVER_OFFERED: t("offered to another cadre (交办)"),
    EventKind.HANDOVER_ACCEPTED: t("taken over by the new owner"),
    EventKind.HANDOVER_REFUSED: t("hand-over refused; stays with its owner"),
    EventKind.SENT_BACK: t("sent back to the assigner (退单)"),
    EventKind.COMPLAINT_FILED: t("complaint (举报) sent to the supervisors"),
    EventKind.AUTO_CONFIRMED: t("closed automatically: the reporter did not answer"),
    EventKind.CLASSIFIED: t("classified (研判)"),
    EventKind.CONSULT_REQUESTED: t("joint consultation asked (会商)"),
    EventKind.CONSULT_REPLIED: t("co-handler replied (会商)"),
    EventKind.LINKED: t("linked to the same problem"),
    EventKind.DUPLICATE_LINKED: t("another report of the same problem linked"),
    EventKind.REVISIT_ASKED: t("return visit: reporter asked (回头看)"),
    EventKind.REVISIT_PASSED: t("return visit: still solved"),
    EventKind.REVISIT_FAILED: t("return visit: problem back, follow-up opened"),
    EventKind.FOLLOW_UP_OF: t("follow-up of a closed ticket (回头看)"),
    EventKind.COLLECTED: t("logged by a cadre on a visit (主动收集)"),
    EventKind.CONTACT_CONFIRMED: t("the enterprise's contact confirmed it"),
    EventKind.DUE_UNKNOWN: t("deadlines not counted: the official holiday calendar is not loaded"),
    EventKind.DEADLINES_PROVISIONAL: t("deadlines provisional: the official holiday list of that year is not "
                                       "loaded yet"),
    EventKind.DEADLINES_RECOUNTED: t("deadlines recounted on the official holiday list"),
    EventKind.EXTENSION_REQUESTED: t("more time asked for (延期)"),
    EventKind.EXTENSION_REFUSED: t("more time refused; deadline unchanged"),
    EventKind.DELIVERY_FAILED: t("a message could not be delivered: the user blocked the bot"),
    EventKind.REPORTER_ADDED: t("reporter added to the report"),
    EventKind.ENTERPRISE_REGISTERED: t("enterprise registered from this report"),
    EventKind.REASSIGNED: t("moved to another handler by the office"),
    EventKind.REPORTER_ERASED: t("the reporter's personal data was erased at their request"),
}

# -- what the reporter sees: what was done, in plain words, without the office's machinery --

REPORTER_STATUS_LABELS: dict[TicketStatus, Msg] = {
    TicketStatus.ASSIGNED: t("passed to its handler"),
    TicketStatus.ACCEPTED: t("being handled"),
    TicketStatus.RESOLVED: t("done: waiting for your confirmation"),
    TicketStatus.CONFIRMED: t("solved"),
    TicketStatus.REOPENED: t("being handled again"),
    TicketStatus.WITHDRAWN: t("withdrawn"),
}

# The history a reporter sees; kinds left out (hand-over offers and refusals, 研判, 会商, 延期 asked or
# refused, the reminder ladder, calendar and delivery notes) are the office's own business.
REPORTER_EVENT_LABELS: dict[str, Msg] = {
    EventKind.SUBMITTED: t("you reported the problem"),
    EventKind.ASSIGNED: t("passed to the cadre responsible"),
    EventKind.ACCEPTED: t("the handler took it up"),
    EventKind.INFO_REQUESTED: t("the handler asked you for more"),
    EventKind.INFO_GIVEN: t("you added more"),
    EventKind.RESOLVED: t("the handler reported it done"),
    EventKind.CONFIRMED: t("you confirmed it is solved"),
    EventKind.REOPENED: t("you said it is not solved: handled again"),
    EventKind.RATED: t("you rated the handling"),
    EventKind.COMMENTED: t("you left a comment"),
    EventKind.WITHDRAWN: t("you withdrew it"),
    EventKind.HANDOVER_ACCEPTED: t("a new handler took it over"),
    EventKind.REASSIGNED: t("a new handler took it over"),
    EventKind.SENT_BACK: t("being passed to the right handler"),
    EventKind.COMPLAINT_FILED: t("your complaint went to the business-environment supervisors"),
    EventKind.AUTO_CONFIRMED: t("closed as solved: we had no answer from you"),
    EventKind.LINKED: t("handled together with the same problem reported by others"),
    EventKind.REVISIT_ASKED: t("return visit: we asked whether it stayed solved"),
    EventKind.REVISIT_PASSED: t("return visit: it stayed solved"),
    EventKind.REVISIT_FAILED: t("return visit: the problem came back and is handled again"),
    EventKind.FOLLOW_UP_OF: t("the problem came back after it was solved"),
    EventKind.COLLECTED: t("logged by a cadre on a visit"),
    EventKind.CONTACT_CONFIRMED: t("your enterprise's contact confirmed it"),
}
