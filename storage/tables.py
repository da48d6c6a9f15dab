"""The database tables, as SQLModel classes.

These rows never leave `storage/`: repositories map them to the dataclasses in
`handlers.domain.model`. Datetimes are stored as UTC (``timestamp with time
zone`` on PostgreSQL; SQLite keeps no zone, so repositories re-attach UTC).
Enumerations are stored as plain strings, so adding a value needs no migration.
"""


from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

# Named constraints: Alembic's batch mode (SQLite) can only alter what has a name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _Table(SQLModel):
    model_config = ConfigDict(defer_build=True)


def _utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=nullable, index=index))


# A platform's id of a chat, a user or an update: opaque text (Telegram's integers as decimal
# strings, WeCom's and Feishu's user ids as they come). 64 leaves room for any of them.
PLATFORM_ID_LENGTH = 64


def _platform_id() -> Any:
    return Field(max_length=PLATFORM_ID_LENGTH)


def _json_column(factory: Any) -> Any:
    return Field(default_factory=factory, sa_column=sa.Column(sa.JSON(), nullable=False))


class OrgUnitRow(_Table, table=True):
    __tablename__ = "org_unit"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    level: str = Field(max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    # org_unit <-> cadre is a cycle; use_alter lets PostgreSQL create both tables first.
    duty_cadre_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("cadre.id", use_alter=True, name="fk_org_unit_duty_cadre_id_cadre"),
            nullable=True,
        ),
    )


class CadreRow(_Table, table=True):
    __tablename__ = "cadre"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=30)
    org_unit_id: int = Field(foreign_key="org_unit.id", index=True)
    phone: str = Field(default="", max_length=30)
    phone_public: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    account_id: int | None = Field(default=None, foreign_key="account.id", unique=True)
    # what a spreadsheet import finds the cadre by again (a staff number, else the phone): re-import updates in place
    staff_key: str | None = Field(default=None, max_length=64, unique=True)
    # when an admin disabled the cadre (None: works): never routed to again, their account unbound
    disabled_at: datetime | None = _utc_column(nullable=True)


class RoleGrantRow(_Table, table=True):
    """A role a cadre holds on an org unit and its subtree (handlers.authority): admin, leader,
    supervisor, cadre. Granted and revoked by admins (/admin grant), or `lianxin cadre admin`."""

    __tablename__ = "role_grant"
    __table_args__ = (sa.UniqueConstraint("cadre_id", "role", "org_unit_id"),
                      sa.Index("ix_role_grant_role_org_unit_id", "role", "org_unit_id"))  # who holds it here

    id: int | None = Field(default=None, primary_key=True)
    cadre_id: int = Field(foreign_key="cadre.id")  # led by the unique constraint's index
    role: str = Field(max_length=20)
    org_unit_id: int = Field(foreign_key="org_unit.id")
    granted_by_cadre_id: int | None = Field(default=None, foreign_key="cadre.id")  # None: the command line
    granted_at: datetime = _utc_column()


class UnitSettingRow(_Table, table=True):
    """A setting an admin keeps on an org unit (handlers.unit_settings): its deadline policy, its
    group robots (whose webhook URLs are credentials: never shown back in full)."""

    __tablename__ = "unit_setting"
    __table_args__ = (sa.UniqueConstraint("org_unit_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_unit_id: int = Field(foreign_key="org_unit.id")  # led by the unique constraint's index
    key: str = Field(max_length=30)
    value: Any = Field(sa_column=sa.Column(sa.JSON(), nullable=False))
    set_by_cadre_id: int | None = Field(default=None, foreign_key="cadre.id")
    set_at: datetime = _utc_column()


class AccountRow(_Table, table=True):
    __tablename__ = "account"
    __table_args__ = (sa.UniqueConstraint("platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    user_id: str = _platform_id()
    chat_id: str = _platform_id()
    locale: str = Field(max_length=20)
    display_name: str = Field(default="", max_length=200)


class CadreInviteRow(_Table, table=True):
    __tablename__ = "cadre_invite"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    cadre_id: int = Field(foreign_key="cadre.id", index=True)
    expires_at: datetime = _utc_column()
    used_at: datetime | None = _utc_column(nullable=True)


class EnterpriseRow(_Table, table=True):
    __tablename__ = "enterprise"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    credit_code: str = Field(max_length=18, unique=True)
    address: str = Field(default="", max_length=300)
    grid_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True)
    assigned_cadre_id: int | None = Field(default=None, foreign_key="cadre.id", index=True)  # 包联
    contact_phone: str = Field(default="", max_length=30)


class ReporterProfileRow(_Table, table=True):
    """What a reporter told us last time, so a returning one need not retype it."""

    __tablename__ = "reporter_profile"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", unique=True)
    kind: str = Field(max_length=20)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    phone: str = Field(default="", max_length=30)
    bound_at: datetime | None = _utc_column(nullable=True)  # bound to the enterprise by its 连心卡


class ContactCardRow(_Table, table=True):
    """助企连心卡: the enterprise's card; its QR link carries `token`, the card prints `code`."""

    __tablename__ = "contact_card"

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", unique=True)
    token: str = Field(max_length=64, unique=True)
    code: str = Field(max_length=12)
    created_at: datetime = _utc_column()


class ContactCardTriesRow(_Table, table=True):
    """Wrong codes one account typed for one card, and until when the card is locked for it."""

    __tablename__ = "contact_card_tries"
    __table_args__ = (sa.UniqueConstraint("card_id", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="contact_card.id")
    account_id: int = Field(foreign_key="account.id")
    failures: int = 0
    locked_until: datetime | None = _utc_column(nullable=True)


class TicketRow(_Table, table=True):
    __tablename__ = "ticket"
    __table_args__ = (sa.Index("ix_ticket_owner_cadre_id_status", "owner_cadre_id", "status"),
                      # auto-confirmation: resolved tickets by when they were resolved
                      sa.Index("ix_ticket_status_resolved_at", "status", "resolved_at"),
                      # the deadline sweep: what is due, each owner's together (one bundle each)
                      sa.Index("ix_ticket_next_action_at_owner", "next_action_at", "owner_cadre_id"),
                      # digests: a subtree's tickets received in a period, and those open in it
                      # (status, resolved_at), read from the index alone
                      sa.Index("ix_ticket_org_unit_created", "org_unit_id", "created_at", "status", "resolved_at"),
                      # digests: tickets first taken up in a period (交办 on time, response hours)
                      sa.Index("ix_ticket_taken_up_at_org_unit", "taken_up_at", "org_unit_id"))

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    category: str = Field(max_length=50)
    description: str = Field(sa_type=sa.Text)
    photo_file_ids: list[str] = _json_column(list)
    latitude: float | None = Field(default=None)
    longitude: float | None = Field(default=None)
    reporter_account_id: int = Field(foreign_key="account.id", index=True)
    reporter_kind: str = Field(max_length=20)
    reporter_phone: str = Field(default="", max_length=30)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    org_unit_id: int = Field(foreign_key="org_unit.id")  # indexed by ix_ticket_org_unit_created
    owner_cadre_id: int = Field(foreign_key="cadre.id")
    status: str = Field(max_length=20)
    tier: str | None = Field(default=None, max_length=1)
    difficulty: str = Field(default="general", max_length=20, sa_column_kwargs={"server_default": "general"})
    linked_to_id: int | None = Field(default=None, foreign_key="ticket.id", index=True)
    follow_up_of_id: int | None = Field(default=None, foreign_key="ticket.id")
    revisit_at: datetime | None = _utc_column(nullable=True, index=True)
    # Due times per stage (限时办结), UTC; the sweep finds what needs a reminder by next_action_at.
    assign_due_at: datetime | None = _utc_column(nullable=True)
    answer_due_at: datetime | None = _utc_column(nullable=True)
    settle_due_at: datetime | None = _utc_column(nullable=True)
    next_action_at: datetime | None = _utc_column(nullable=True)
    ladder_step: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    resolved_at: datetime | None = _utc_column(nullable=True)
    taken_up_at: datetime | None = _utc_column(nullable=True)  # first take-up; digests count 交办 by it
    due_at: datetime | None = _utc_column(nullable=True)  # the running stage's deadline: flags counted in SQL
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()


class TicketEventRow(_Table, table=True):
    """A ticket's history. Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "ticket_event"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "seq"),
                      # digests: one kind's events in a period, without reading the whole history
                      sa.Index("ix_ticket_event_kind_at", "kind", "at", "ticket_id"))

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    seq: int
    kind: str = Field(max_length=30)
    at: datetime = _utc_column()
    actor_account_id: int | None = Field(default=None, foreign_key="account.id")
    data: dict[str, Any] = _json_column(dict)


class ComplaintRow(_Table, table=True):
    """举报 about a cadre, outside any ticket. Who complained is kept for the record
    but never shown to the cadre complained about."""

    __tablename__ = "complaint"

    id: int | None = Field(default=None, primary_key=True)
    complainant_account_id: int = Field(foreign_key="account.id")
    cadre_id: int = Field(foreign_key="cadre.id", index=True)
    org_unit_id: int = Field(foreign_key="org_unit.id", index=True)
    text: str = Field(sa_type=sa.Text)
    at: datetime = _utc_column()
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")  # a 举报 on a ticket's handling
    # the supervisor's finding: "upheld" / "not_upheld" (None: not yet looked into)
    finding: str | None = Field(default=None, max_length=20)
    finding_reason: str = Field(default="", sa_type=sa.Text, sa_column_kwargs={"server_default": ""})
    found_by_cadre_id: int | None = Field(default=None, foreign_key="cadre.id")
    found_at: datetime | None = _utc_column(nullable=True)


class GroupBindingRow(_Table, table=True):
    """A leaders' group chat bound to an org unit (/bind): it gets that unit's digests."""

    __tablename__ = "group_binding"
    __table_args__ = (sa.UniqueConstraint("platform", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    chat_id: str = _platform_id()
    title: str = Field(default="", max_length=200)
    org_unit_id: int = Field(foreign_key="org_unit.id", index=True)
    bound_by_cadre_id: int = Field(foreign_key="cadre.id")
    bound_at: datetime = _utc_column()


class DigestDeliveryRow(_Table, table=True):
    """One digest owed to one place for one period: inserted before it is sent, so two
    processes (or a restart) never send the same 周通报 twice."""

    __tablename__ = "digest_delivery"
    __table_args__ = (sa.UniqueConstraint("target", "period", "period_start"),)

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=200)  # "telegram:-100123", "robot:dingtalk:…"
    period: str = Field(max_length=10)  # "week" / "month"
    period_start: datetime = _utc_column()
    at: datetime = _utc_column()


class TicketCounterRow(_Table, table=True):
    """The last ticket number handed out per year."""

    __tablename__ = "ticket_counter"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = Field(default=0)


class ConversationRow(_Table, table=True):
    __tablename__ = "conversation"
    __table_args__ = (sa.UniqueConstraint("platform", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    chat_id: str = _platform_id()
    dialog: str = Field(default="idle", max_length=50)
    step: str = Field(default="", max_length=50)
    data: dict[str, Any] = _json_column(dict)
    updated_at: datetime = _utc_column()


class SeenUpdateRow(_Table, table=True):
    """Updates already handled, so a webhook resend is not handled twice."""

    __tablename__ = "seen_update"
    __table_args__ = (sa.UniqueConstraint("platform", "update_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    update_id: str = _platform_id()
    at: datetime = _utc_column(index=True)


class StoredFileRow(_Table, table=True):
    """A file someone sent the bot (a report's photo), kept so that the bot passes it on itself,
    on any platform: tickets and messages hold its reference (storage/files.py)."""

    __tablename__ = "stored_file"

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(max_length=64, unique=True)  # the same bytes are kept once
    data: bytes = Field(sa_column=sa.Column(sa.LargeBinary(), nullable=False))
    size: int
    created_at: datetime = _utc_column()


class OutboxRow(_Table, table=True):
    """A message the bot owes someone, written with the change that caused it and sent by
    the one dispatcher (bot/outbox.py). `payload` is the serialized `Reply` (storage/outbox.py)."""

    __tablename__ = "outbox"
    __table_args__ = (
        sa.Index("ix_outbox_status_not_before", "status", "not_before"),  # the claim: what is due
        sa.Index("ix_outbox_status_lane_id", "status", "lane", "id"),  # … answers first
        sa.Index("ix_outbox_platform_chat_id_status", "platform", "chat_id", "status"),  # per-chat order
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = _utc_column()
    lane: int = Field(default=1, sa_column_kwargs={"server_default": "1"})  # handlers.ports.Lane
    platform: str = Field(max_length=20)
    chat_id: str = _platform_id()
    payload: dict[str, Any] = _json_column(dict)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    not_before: datetime | None = _utc_column(nullable=True)  # the core's: quiet hours
    retry_at: datetime | None = _utc_column(nullable=True)  # the dispatcher's: backoff, 429
    status: str = Field(default="pending", max_length=10)  # pending / sending / sent / failed; held (storage/outbox.py)
    attempts: int = Field(default=0)
    parts_sent: int = Field(default=0)  # Bot API calls of this reply already made (a retry resumes)
    claimed_at: datetime | None = _utc_column(nullable=True)
    sent_at: datetime | None = _utc_column(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    maybe_duplicate: bool = Field(default=False)


class LiveCardRow(_Table, table=True):
    """Which message in a chat is a ticket's live card (handlers.seam.Card): the one the bot
    edits as the ticket moves. Written by the outbox dispatcher once the platform said which
    message it sent; an older card of the ticket in that chat is no longer live."""

    __tablename__ = "live_card"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    platform: str = Field(max_length=20, primary_key=True)
    chat_id: str = Field(max_length=PLATFORM_ID_LENGTH, primary_key=True)
    message_id: str = _platform_id()
    updated_at: datetime = _utc_column()


class InboxRow(SQLModel, table=True):
    """An update a webhook received: recorded before it is acknowledged, then handled in its
    chat's order by whichever worker process claims it (storage/inbox.py, bot/webhook.py)."""

    __tablename__ = "inbox"
    __table_args__ = (
        sa.UniqueConstraint("platform", "update_id"),  # a resend is recorded once
        sa.Index("ix_inbox_chat_key_handled_at_update_id", "chat_key", "handled_at", "update_id"),  # the claim
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    update_id: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))  # the platform's order
    chat_key: str = Field(max_length=100)  # updates with one key are handled one at a time, in update_id order
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))  # the update as received
    received_at: datetime = _utc_column()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: datetime | None = _utc_column(nullable=True)
    handled_at: datetime | None = _utc_column(nullable=True, index=True)
