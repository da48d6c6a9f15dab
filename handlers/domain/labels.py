"""Display names of domain values, as translatable messages."""

from __future__ import annotations

from handlers.domain.model import CadreRole, TicketStatus
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
