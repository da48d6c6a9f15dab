"""What can happen to a ticket. Each is one row of its append-only history (TicketEvent),
named once here and used alike by the core, storage, reports and the ledger."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    SUBMITTED = "submitted"  # a reporter confirmed their report
    ASSIGNED = "assigned"  # routed to its first owner (data: cadre_id, reason)
    ACCEPTED = "accepted"  # 接单
    INFO_REQUESTED = "info_requested"  # 需补充: the owner asked the reporter
    INFO_GIVEN = "info_given"  # the reporter answered (private to the owner)
    RESOLVED = "resolved"  # 办结
    CONFIRMED = "confirmed"  # the reporter said solved: 销号
    REOPENED = "reopened"  # the reporter said not (fully) solved: 重办
    RATED = "rated"  # 1-5 stars
    COMMENTED = "commented"
    WITHDRAWN = "withdrawn"  # by the reporter, with a reason
    AUTO_CONFIRMED = "auto_confirmed"  # the reporter did not answer in time
    HANDOVER_OFFERED = "handover_offered"  # 交办 / 上报, awaiting the receiver
    HANDOVER_ACCEPTED = "handover_accepted"
    HANDOVER_REFUSED = "handover_refused"
    SENT_BACK = "sent_back"  # 退单
    COMPLAINT_FILED = "complaint_filed"  # 举报: never shown to the ticket's handlers
    CLASSIFIED = "classified"  # 研判
    CONSULT_REQUESTED = "consult_requested"  # 会商
    CONSULT_REPLIED = "consult_replied"
    LINKED = "linked"  # this report is the same problem as another ticket
    DUPLICATE_LINKED = "duplicate_linked"  # another report was linked to this one
    REVISIT_ASKED = "revisit_asked"  # 回头看
    REVISIT_PASSED = "revisit_passed"
    REVISIT_FAILED = "revisit_failed"  # the problem came back: a follow-up was opened
    FOLLOW_UP_OF = "follow_up_of"  # opened by a failed 回头看 of another ticket
    COLLECTED = "collected"  # 主动收集: logged by a cadre on a visit
    CONTACT_CONFIRMED = "contact_confirmed"  # the enterprise's contact owned a collected problem
    DUE_UNKNOWN = "due_unknown"  # (until issue 13) deadlines not counted: no holiday calendar for that year
    DEADLINES_PROVISIONAL = "deadlines_provisional"  # counted into a year without its official list (no 调休)
    DEADLINES_RECOUNTED = "deadlines_recounted"  # recounted once that year's official list was loaded
    EXTENSION_REQUESTED = "extension_requested"  # 延期
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_REFUSED = "extension_refused"
    LADDER = "ladder"  # a 催办 / 督办 / 黑旗 rung climbed (data: rung, stage, due)
    DELIVERY_FAILED = "delivery_failed"  # a message about it could not be delivered
    ENTERPRISE_REGISTERED = "enterprise_registered"  # its enterprise put in the register from this report
    REPORTER_ADDED = "reporter_added"  # the reporter added to their open ticket, unasked (data: text, photos)
    # an office moved it to another owner: its enterprise's 包联 changed, or its owner was disabled
    # (data: previous_owner, to, reason: handlers.reassign.Why)
    REASSIGNED = "reassigned"
    # its reporter's personal data was erased at their request (/mydata, docs/privacy.md); no data
    REPORTER_ERASED = "reporter_erased"
