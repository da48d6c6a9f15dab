"""Display names of domain values, as translatable messages."""

from __future__ import annotations

from handlers.domain.deadlines import Stage
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
    "submitted": t("reported"),
    "assigned": t("assigned to its handler"),
    "accepted": t("accepted (接单)"),
    "info_requested": t("handler asked for more"),
    "info_given": t("reporter answered"),
    "resolved": t("resolved (办结)"),
    "confirmed": t("reporter confirmed: solved (销号)"),
    "reopened": t("reporter said not solved: reopened (重办)"),
    "rated": t("reporter rated it"),
    "commented": t("reporter commented"),
    "withdrawn": t("withdrawn by the reporter"),
    "handover_offered": t("offered to another cadre (交办)"),
    "handover_accepted": t("taken over by the new owner"),
    "handover_refused": t("hand-over refused; stays with its owner"),
    "sent_back": t("sent back to the assigner (退单)"),
    "complaint_filed": t("complaint (举报) sent to the supervisors"),
    "auto_confirmed": t("closed automatically: the reporter did not answer"),
    "classified": t("classified (研判)"),
    "consult_requested": t("joint consultation asked (会商)"),
    "consult_replied": t("co-handler replied (会商)"),
    "linked": t("linked to the same problem"),
    "duplicate_linked": t("another report of the same problem linked"),
    "revisit_asked": t("return visit: reporter asked (回头看)"),
    "revisit_passed": t("return visit: still solved"),
    "revisit_failed": t("return visit: problem back, follow-up opened"),
    "follow_up_of": t("follow-up of a closed ticket (回头看)"),
    "collected": t("logged by a cadre on a visit (主动收集)"),
    "contact_confirmed": t("the enterprise's contact confirmed it"),
    "due_unknown": t("deadlines not counted: the official holiday calendar is not loaded"),
    "extension_requested": t("more time asked for (延期)"),
    "extension_refused": t("more time refused; deadline unchanged"),
    "delivery_failed": t("a message could not be delivered: the user blocked the bot"),
}
