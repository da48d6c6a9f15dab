"""Repositories: the ports of `handlers.ports`, on SQLAlchemy sessions.

Each maps table rows to the dataclasses of `handlers.domain.model` and back;
no row object leaves this module. All of them share the unit of work's session
and never commit: `SqlUnitOfWork.commit()` does.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handlers.domain.model import (
    Account,
    Cadre,
    CadreRole,
    Complaint,
    Enterprise,
    Finding,
    Grant,
    InviteRefusal,
    OrgLevel,
    OrgUnit,
    ReporterKind,
    Refused,
    ReporterProfile,
    Role,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
    Difficulty,
    Unbound,
)
from handlers.domain.events import EventKind
from handlers.domain.lifecycle import OPEN
from handlers.ports import ConversationState
from storage.tables import (
    AccountRow,
    CadreInviteRow,
    CadreRow,
    ComplaintRow,
    ConversationRow,
    EnterpriseRow,
    OrgUnitRow,
    ReporterProfileRow,
    RoleGrantRow,
    SeenUpdateRow,
    TicketCounterRow,
    TicketEventRow,
    TicketRow,
    UnitSettingRow,
)

INVITE_TOKEN_BYTES = 24  # 32 characters of [A-Za-z0-9_-]; a /start parameter allows 64

# -- time ---------------------------------------------------------------------


def from_db(value: datetime | None) -> datetime | None:
    """A stored datetime as aware UTC (SQLite hands back naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_db(value: datetime) -> datetime:
    """A datetime to store: aware, in UTC. Naive input is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def dialect_insert(session: Session, table: sa.Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    return insert_for(session.get_bind().dialect.name, table)


def _built_once(build: Any) -> Any:
    """`build(dialect_name)` made once per dialect: a statement every update runs, with bound
    parameters, whose building (and cache key) would otherwise cost as much as running it."""
    built: dict[str, Any] = {}

    def statement(session: Session) -> Any:
        dialect = session.get_bind().dialect.name
        if dialect not in built:
            built[dialect] = build(dialect)
        return built[dialect]
    return statement


def insert_for(dialect: str, table: sa.Table) -> Any:
    """The INSERT of `dialect` ("postgresql" or "sqlite"), which knows ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - only the two supported databases
        raise NotImplementedError(f"storage supports SQLite and PostgreSQL, not {dialect}")
    return insert(table)


# -- mapping ------------------------------------------------------------------


def _account(row: AccountRow) -> Account:
    assert row.id is not None
    return Account(row.id, row.platform, row.user_id, row.chat_id, row.locale, row.display_name)


def _org_unit(row: OrgUnitRow) -> OrgUnit:
    assert row.id is not None
    return OrgUnit(row.id, row.name, OrgLevel(row.level), row.parent_id, row.duty_cadre_id)


def _cadre(row: CadreRow) -> Cadre:
    assert row.id is not None
    return Cadre(row.id, row.name, CadreRole(row.role), row.org_unit_id, row.phone, row.account_id,
                 disabled=row.disabled_at is not None, phone_public=row.phone_public)


_WORKING = CadreRow.disabled_at.is_(None)  # a disabled cadre is never picked to handle anything


def _enterprise(row: EnterpriseRow) -> Enterprise:
    assert row.id is not None
    return Enterprise(row.id, row.name, row.credit_code, row.grid_id, row.assigned_cadre_id, row.address,
                      row.contact_phone)


enterprise_from_row = _enterprise  # for the storage modules beside this one


# What `_event` and `_ticket` read, in this order: by position, since looking 28 columns up by name
# on every row was most of what loading a sweep's batch cost in Python.
_HISTORY_COLUMNS = ("kind", "at", "actor_account_id", "data")
_TICKET_COLUMNS = ("id", "number", "category", "description", "photo_file_ids", "latitude", "longitude",
                   "reporter_account_id", "reporter_kind", "reporter_phone", "enterprise_id", "org_unit_id",
                   "owner_cadre_id", "status", "tier", "difficulty", "linked_to_id", "follow_up_of_id", "revisit_at",
                   "assign_due_at", "answer_due_at", "settle_due_at", "next_action_at", "ladder_step", "resolved_at",
                   "taken_up_at", "due_at", "created_at")


def _select_tickets() -> sa.Select[Any]:
    return sa.select(*(TicketRow.__table__.c[name] for name in _TICKET_COLUMNS))


def _select_history(*first: Any) -> sa.Select[Any]:
    return sa.select(*first, *(TicketEventRow.__table__.c[name] for name in _HISTORY_COLUMNS))


def _event(kind: str, at: datetime, actor_account_id: int | None, data: dict[str, Any] | None) -> TicketEvent:
    when = from_db(at)
    assert when is not None
    return TicketEvent(kind, when, actor_account_id, dict(data or {}))


def _ticket(row: Sequence[Any], events: list[TicketEvent]) -> Ticket:
    """A ticket from a row of `_TICKET_COLUMNS`."""
    (id_, number, category, description, photo_file_ids, latitude, longitude, reporter_account_id, reporter_kind,
     reporter_phone, enterprise_id, org_unit_id, owner_cadre_id, status, tier, difficulty, linked_to_id,
     follow_up_of_id, revisit_at, assign_due_at, answer_due_at, settle_due_at, next_action_at, ladder_step,
     resolved_at, taken_up_at, due_at, created_at) = row
    created = from_db(created_at)
    assert created is not None
    return Ticket(
        id=id_,
        number=number,
        category=category,
        description=description,
        reporter_account_id=reporter_account_id,
        reporter_kind=ReporterKind(reporter_kind),
        reporter_phone=reporter_phone,
        org_unit_id=org_unit_id,
        owner_cadre_id=owner_cadre_id,
        status=TicketStatus(status),
        created_at=created,
        enterprise_id=enterprise_id,
        photo_file_ids=list(photo_file_ids or []),
        location=(latitude, longitude) if latitude is not None and longitude is not None else None,
        tier=Tier(tier) if tier else None,
        difficulty=Difficulty(difficulty),
        linked_to_id=linked_to_id,
        follow_up_of_id=follow_up_of_id,
        revisit_at=from_db(revisit_at),
        assign_due_at=from_db(assign_due_at),
        answer_due_at=from_db(answer_due_at),
        settle_due_at=from_db(settle_due_at),
        next_action_at=from_db(next_action_at),
        ladder_step=ladder_step,
        resolved_at=from_db(resolved_at),
        taken_up_at=from_db(taken_up_at),
        due_at=from_db(due_at),
        events=events,
    )


def _ticket_fields(ticket: Ticket) -> dict[str, Any]:
    """The columns a Ticket determines (all but id, number, created_at, updated_at)."""
    latitude, longitude = ticket.location if ticket.location is not None else (None, None)
    return {
        "category": ticket.category,
        "description": ticket.description,
        "photo_file_ids": list(ticket.photo_file_ids),
        "latitude": latitude,
        "longitude": longitude,
        "reporter_account_id": ticket.reporter_account_id,
        "reporter_kind": str(ticket.reporter_kind),
        "reporter_phone": ticket.reporter_phone,
        "enterprise_id": ticket.enterprise_id,
        "org_unit_id": ticket.org_unit_id,
        "owner_cadre_id": ticket.owner_cadre_id,
        "status": str(ticket.status),
        "tier": str(ticket.tier) if ticket.tier else None,
        "difficulty": str(ticket.difficulty),
        "linked_to_id": ticket.linked_to_id,
        "follow_up_of_id": ticket.follow_up_of_id,
        "revisit_at": to_db(ticket.revisit_at) if ticket.revisit_at else None,
        **{column: to_db(value) if value else None for column, value in (
            ("assign_due_at", ticket.assign_due_at), ("answer_due_at", ticket.answer_due_at),
            ("settle_due_at", ticket.settle_due_at), ("next_action_at", ticket.next_action_at),
            ("resolved_at", ticket.resolved_at), ("due_at", ticket.due_at), ("taken_up_at", ticket.taken_up_at))},
        "ladder_step": ticket.ladder_step,
    }


# -- set-based writes ---------------------------------------------------------

ROWS_PER_STATEMENT = 1000  # a multi-row statement's rows: well under either database's bound-parameter limit


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows (each with the same keys) in a few statements. On SQLite, which runs in-process, a
    plain executemany. On PostgreSQL an executemany is a server round per row: the rows go as one
    JSON text to json_to_recordset (`_json_rows`), or, where a column left out has a default worked
    out per row, as multi-row VALUES (SQLAlchemy's "insertmanyvalues", asked for by RETURNING)."""
    if not rows:
        return
    if _in_process(session):
        session.execute(sa.insert(table), list(rows))
        return
    given = list(rows[0])
    defaults = {column.name: column.default for column in table.c
                if column.default is not None and column.name not in given}
    if all(default.is_scalar for default in defaults.values()):
        columns = [*given, *defaults]
        filled = [(*(row[name] for name in given), *(default.arg for default in defaults.values())) for row in rows]
        session.execute(_insert_from_json(session, table, columns), {"rows": _json_rows(columns, filled)})
        return
    session.execute(sa.insert(table).returning(table.c.id), list(rows),
                    execution_options={"insertmanyvalues_page_size": ROWS_PER_STATEMENT})


def _insert_from_json(session: Session, table: sa.Table, columns: Sequence[str]) -> sa.TextClause:
    """INSERT … SELECT FROM json_to_recordset(rows), each column typed as the table has it; built
    once per table and columns (every update's outbox rows come this way)."""
    dialect = session.get_bind().dialect
    key = (dialect.name, table.name, tuple(columns))
    if key not in _INSERTS_FROM_JSON:
        quote = dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in columns)
        typed = ", ".join(f"{quote(name)} {table.c[name].type.compile(dialect=dialect)}" for name in columns)
        _INSERTS_FROM_JSON[key] = sa.text(f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} "
                                          f"FROM json_to_recordset(CAST(:rows AS json)) AS source ({typed})")
    return _INSERTS_FROM_JSON[key]


_INSERTS_FROM_JSON: dict[tuple[str, str, tuple[str, ...]], sa.TextClause] = {}


def _in_process(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def id_in(session: Session, column: Any, ids: Collection[int]) -> Any:
    """`column IN (ids)`; on PostgreSQL `column = ANY(array)`, one bound parameter: the statement's
    text is then the same for any number of ids, where psycopg would parse a 200-id IN list's
    placeholders anew at every execution (its cache of parsed statements skips long ones)."""
    if _in_process(session):
        return column.in_(sorted(ids))
    from sqlalchemy.dialects.postgresql import ARRAY  # loaded with the PostgreSQL dialect anyway

    return column == sa.any_(sa.bindparam(None, sorted(ids), type_=ARRAY(sa.Integer)))


_PLAN_COLUMNS = ("next_action_at", "ladder_step", "due_at", "updated_at")
# PostgreSQL: the plans as one JSON array of rows (one bound parameter), joined to the rows they update.
_UPDATE_PLANS_FROM_JSON = sa.text("""
    UPDATE ticket SET next_action_at = plan.next_action_at, ladder_step = plan.ladder_step,
                      due_at = plan.due_at, updated_at = plan.updated_at
    FROM json_to_recordset(CAST(:rows AS json))
         AS plan (id integer, next_action_at timestamptz, ladder_step integer, due_at timestamptz,
                  updated_at timestamptz)
    WHERE ticket.id = plan.id""")


_EVENT_COLUMNS = ("ticket_id", "seq", "kind", "at", "actor_account_id", "data")
# PostgreSQL: the new events as one JSON array of rows (an executemany is a round per row).
_INSERT_EVENTS_FROM_JSON = sa.text("""
    INSERT INTO ticket_event (ticket_id, seq, kind, at, actor_account_id, data)
    SELECT ticket_id, seq, kind, at, actor_account_id, data FROM json_to_recordset(CAST(:rows AS json))
         AS event (ticket_id integer, seq integer, kind text, at timestamptz, actor_account_id integer, data json)""")


def _json_rows(columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> str:
    """Rows as one JSON text for json_to_recordset (PostgreSQL): encoded in C by the json module and
    parsed in C by the server; as arrays of 200 values each, psycopg's list dumping (Python, value
    by value) took a seventh of a 10,000-ticket sweep's CPU."""
    return json.dumps([dict(zip(columns, row)) for row in rows], ensure_ascii=False, default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"no JSON for a {type(value).__name__}: {value!r}")


# SQLite: the same two writes, as the driver's executemany of plain tuples (see `_execute_many`).
_UPDATE_PLAN = "UPDATE ticket SET next_action_at = ?, ladder_step = ?, due_at = ?, updated_at = ? WHERE id = ?"
_INSERT_EVENT = "INSERT INTO ticket_event (ticket_id, seq, kind, at, actor_account_id, data) VALUES (?, ?, ?, ?, ?, ?)"


def _execute_many(session: Session, table: sa.Table, sql: str, columns: Sequence[str],
                  rows: Sequence[tuple[Any, ...]]) -> None:
    """An executemany straight to the driver (SQLite): each value goes through its column's bind
    processor, so it is stored as SQLAlchemy stores it, but SQLAlchemy's per-row parameter
    handling around that is skipped."""
    dialect = session.get_bind().dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    session.connection().exec_driver_sql(sql, [
        tuple(value if process is None or value is None else process(value)
              for process, value in zip(processors, row)) for row in rows])


def _update_plans(session: Session, plans: Sequence[tuple[Any, ...]]) -> None:
    """One statement for all the plans: an UPDATE … FROM json_to_recordset on PostgreSQL, an
    executemany of the UPDATE on SQLite (in-process: no round trips to save)."""
    if _in_process(session):
        _execute_many(session, TicketRow.__table__, _UPDATE_PLAN, (*_PLAN_COLUMNS, "id"),
                      [(*plan[1:], plan[0]) for plan in plans])
        return
    session.execute(_UPDATE_PLANS_FROM_JSON, {"rows": _json_rows(("id", *_PLAN_COLUMNS), plans)})


# -- repositories -------------------------------------------------------------


def _rows_by_id(session: Session, table: Any, ids: Collection[int], mapping: Any) -> list[Any]:
    """Rows of `table` whose id is in `ids`, mapped, in one SELECT (Core rows: no ORM objects to build)."""
    if not ids:
        return []
    columns = table.__table__.c
    return [mapping(row) for row in session.execute(sa.select(table.__table__).where(id_in(session, columns.id, ids)))]


_ACCOUNTS, _CONVERSATIONS = AccountRow.__table__, ConversationRow.__table__
_ACCOUNT_AND_DIALOG = (
    sa.select(_ACCOUNTS, _CONVERSATIONS.c.id.label("conversation_id"), _CONVERSATIONS.c.dialog,
              _CONVERSATIONS.c.step, _CONVERSATIONS.c.data)
    .outerjoin(_CONVERSATIONS, sa.and_(_CONVERSATIONS.c.platform == _ACCOUNTS.c.platform,
                                       _CONVERSATIONS.c.chat_id == sa.bindparam("chat_id")))
    .where(_ACCOUNTS.c.platform == sa.bindparam("platform"), _ACCOUNTS.c.user_id == sa.bindparam("user_id")))


class SqlAccounts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_or_create(self, platform: str, user_id: str, chat_id: str, locale: str,
                      display_name: str) -> Account:
        """The account of (platform, user_id), created if new; chat and name kept current.

        A new account gets `locale`; an existing one keeps the locale it has (the user may
        have chosen one). Someone the bot knows, whose chat and name are as they were (nearly
        every update), costs one SELECT: no write, no ORM object.
        """
        table = AccountRow.__table__
        row = self._row_and_dialog(platform, user_id, chat_id)
        if row is None:
            row = self.session.execute(dialect_insert(self.session, table).values(
                platform=platform, user_id=user_id, chat_id=chat_id, locale=locale, display_name=display_name
            ).on_conflict_do_nothing(index_elements=["platform", "user_id"]).returning(*table.c)).first()
            if row is not None:
                return _account(row)
            row = self._row_and_dialog(platform, user_id, chat_id)  # their previous update, at the same moment
            assert row is not None
        account = _account(row)
        changes = {"chat_id": chat_id} if row.chat_id != chat_id else {}
        if display_name and row.display_name != display_name:
            changes["display_name"] = display_name
        if changes:
            self.session.execute(sa.update(table).where(table.c.id == account.id).values(**changes))
            account = dataclasses.replace(account, **changes)
        return account

    def _row_and_dialog(self, platform: str, user_id: str, chat_id: str) -> sa.Row[Any] | None:
        """The account's row, and in the same statement the dialog state of `chat_id`, which the
        turn loads next (SqlConversations.load takes it from the session: a round trip less)."""
        row = self.session.execute(_ACCOUNT_AND_DIALOG, {"platform": platform, "user_id": user_id,
                                                         "chat_id": chat_id}).first()
        if row is not None:
            found = _conversation(platform, chat_id, row) if row.conversation_id is not None else None
            self.session.info[_READ_WITH_ACCOUNT] = (platform, chat_id, found)
        return row

    def find(self, platform: str, user_id: str) -> Account | None:
        """The account of (platform, user_id) if the bot knows it; nothing is created or changed
        (a message in a group must not make the group that person's chat)."""
        row = self.session.scalars(sa.select(AccountRow).where(AccountRow.platform == platform,
                                                               AccountRow.user_id == user_id)).one_or_none()
        return _account(row) if row is not None else None

    def get(self, account_id: int) -> Account | None:
        row = self.session.get(AccountRow, account_id)
        return _account(row) if row is not None else None

    def get_many(self, account_ids: Collection[int]) -> dict[int, Account]:
        return {account.id: account for account in _rows_by_id(self.session, AccountRow, account_ids, _account)}

    def set_locale(self, account_id: int, locale: str) -> None:
        table = AccountRow.__table__
        changed = self.session.execute(sa.update(table).where(table.c.id == account_id).values(locale=locale))
        if changed.rowcount != 1:
            raise LookupError(f"no account {account_id}")


# session.info key: (platform, chat_id, state or None) of the dialog read with the account
_READ_WITH_ACCOUNT = "lianxin.conversation_read_with_account"


def _conversation(platform: str, chat_id: str, row: Any) -> ConversationState:
    return ConversationState(platform, chat_id, row.dialog, row.step, dict(row.data or {}))


class SqlConversations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, platform: str, chat_id: str) -> ConversationState:
        read = self.session.info.pop(_READ_WITH_ACCOUNT, None)
        if read is not None and read[:2] == (platform, chat_id):
            return read[2] or ConversationState(platform, chat_id)
        table = ConversationRow.__table__
        row = self.session.execute(sa.select(table.c.dialog, table.c.step, table.c.data).where(
            table.c.platform == platform, table.c.chat_id == chat_id)).one_or_none()
        return _conversation(platform, chat_id, row) if row is not None else ConversationState(platform, chat_id)

    def save(self, state: ConversationState) -> None:
        self.session.info.pop(_READ_WITH_ACCOUNT, None)  # what was read with the account is old now
        self.session.execute(_save_conversation(self.session), {
            "platform": state.platform, "chat_id": state.chat_id, "dialog": state.dialog, "step": state.step,
            "data": dict(state.data), "updated_at": _utcnow()})


def _conversation_upsert(dialect: str) -> Any:
    insert = insert_for(dialect, ConversationRow.__table__)
    return insert.on_conflict_do_update(index_elements=["platform", "chat_id"], set_={
        column: insert.excluded[column] for column in ("dialog", "step", "data", "updated_at")})


_save_conversation = _built_once(_conversation_upsert)


_UNITS = OrgUnitRow.__table__
_MAX_DEPTH = 16  # deeper than any real tree (district > township > community > grid); stops a cycle


def _lineage_statement() -> sa.Select[Any]:
    """A unit and its ancestors, nearest first, in one recursive SELECT."""
    first = sa.select(_UNITS.c.id, _UNITS.c.parent_id, sa.literal(0).label("depth"))
    chain = first.where(_UNITS.c.id == sa.bindparam("org_unit_id")).cte("lineage", recursive=True)
    parents = _UNITS.alias("parent")
    chain = chain.union_all(sa.select(parents.c.id, parents.c.parent_id, chain.c.depth + 1)
                            .join(chain, parents.c.id == chain.c.parent_id).where(chain.c.depth < _MAX_DEPTH))
    return sa.select(_UNITS).join(chain, _UNITS.c.id == chain.c.id).order_by(chain.c.depth)


_LINEAGE = _lineage_statement()


class SqlDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def org_unit(self, org_unit_id: int) -> OrgUnit | None:
        row = self.session.get(OrgUnitRow, org_unit_id)
        return _org_unit(row) if row is not None else None

    def lineage(self, org_unit_id: int) -> list[OrgUnit]:
        return [_org_unit(row) for row in self.session.execute(_LINEAGE, {"org_unit_id": org_unit_id})]

    def org_units(self, org_unit_ids: Collection[int]) -> dict[int, OrgUnit]:
        return {unit.id: unit for unit in _rows_by_id(self.session, OrgUnitRow, org_unit_ids, _org_unit)}

    def children(self, org_unit_id: int) -> list[OrgUnit]:
        rows = self.session.scalars(
            sa.select(OrgUnitRow).where(OrgUnitRow.parent_id == org_unit_id).order_by(OrgUnitRow.id)
        )
        return [_org_unit(r) for r in rows]

    def roots(self) -> list[OrgUnit]:
        rows = self.session.scalars(
            sa.select(OrgUnitRow).where(OrgUnitRow.parent_id.is_(None)).order_by(OrgUnitRow.id)
        )
        return [_org_unit(r) for r in rows]

    def units_named(self, name: str) -> list[OrgUnit]:
        rows = self.session.scalars(sa.select(OrgUnitRow).where(OrgUnitRow.name == name.strip())
                                    .order_by(OrgUnitRow.id))
        return [_org_unit(r) for r in rows]

    def cadre(self, cadre_id: int) -> Cadre | None:
        row = self.session.get(CadreRow, cadre_id)
        return _cadre(row) if row is not None else None

    def cadres(self, cadre_ids: Collection[int]) -> dict[int, Cadre]:
        return {cadre.id: cadre for cadre in _rows_by_id(self.session, CadreRow, cadre_ids, _cadre)}

    def cadre_by_account(self, account_id: int) -> Cadre | None:
        row = self.session.scalars(sa.select(CadreRow).where(CadreRow.account_id == account_id)).one_or_none()
        return _cadre(row) if row is not None else None

    def grid_worker(self, grid_id: int) -> Cadre | None:
        """The grid's 网格员 (the first one, should a grid have several)."""
        row = self.session.scalars(
            sa.select(CadreRow)
            .where(CadreRow.org_unit_id == grid_id, CadreRow.role == CadreRole.GRID_WORKER.value, _WORKING)
            .order_by(CadreRow.id)
            .limit(1)
        ).first()
        return _cadre(row) if row is not None else None

    def search_cadres(self, text: str, limit: int) -> list[Cadre]:
        """Cadres whose name or org unit's name contains `text` (for 交办: pick who takes it over)."""
        text = text.strip()
        if not text or limit <= 0:
            return []
        rows = self.session.scalars(
            sa.select(CadreRow).join(OrgUnitRow, OrgUnitRow.id == CadreRow.org_unit_id)
            .where(sa.or_(CadreRow.name.icontains(text, autoescape=True),
                          OrgUnitRow.name.icontains(text, autoescape=True)), _WORKING)
            .order_by(CadreRow.id).limit(limit)
        )
        return [_cadre(row) for row in rows]

    def cadres_in(self, org_unit_id: int, role: str) -> list[Cadre]:
        rows = self.session.scalars(sa.select(CadreRow).where(CadreRow.org_unit_id == org_unit_id,
                                                              CadreRow.role == role, _WORKING).order_by(CadreRow.id))
        return [_cadre(row) for row in rows]

    def admins(self) -> list[Cadre]:
        admins = sa.select(RoleGrantRow.cadre_id).where(RoleGrantRow.role == Role.ADMIN.value)
        rows = self.session.scalars(sa.select(CadreRow).where(CadreRow.id.in_(admins), _WORKING).order_by(CadreRow.id))
        return [_cadre(row) for row in rows]

    def grants_of(self, cadre_id: int) -> list[Grant]:
        rows = self.session.execute(sa.select(RoleGrantRow.role, RoleGrantRow.org_unit_id)
                                    .where(RoleGrantRow.cadre_id == cadre_id).order_by(RoleGrantRow.id))
        return [Grant(cadre_id, Role(role), org_unit_id) for role, org_unit_id in rows]

    def holders(self, role: Role, org_unit_ids: Collection[int]) -> list[Cadre]:
        if not org_unit_ids:
            return []
        holding = sa.select(RoleGrantRow.cadre_id).where(RoleGrantRow.role == role.value,
                                                         id_in(self.session, RoleGrantRow.org_unit_id, org_unit_ids))
        rows = self.session.scalars(sa.select(CadreRow).where(CadreRow.id.in_(holding), _WORKING).order_by(CadreRow.id))
        return [_cadre(row) for row in rows]

    def enterprise(self, enterprise_id: int) -> Enterprise | None:
        row = self.session.get(EnterpriseRow, enterprise_id)
        return _enterprise(row) if row is not None else None

    def enterprise_by_code(self, credit_code: str) -> Enterprise | None:
        row = self.session.scalars(
            sa.select(EnterpriseRow).where(EnterpriseRow.credit_code == credit_code.strip().upper())
        ).one_or_none()
        return _enterprise(row) if row is not None else None

    def search_enterprises(self, name_part: str, limit: int) -> list[Enterprise]:
        """Enterprises whose name contains `name_part` (case-insensitive; % and _ are literal)."""
        name_part = name_part.strip()
        if not name_part or limit <= 0:
            return []
        rows = self.session.scalars(
            sa.select(EnterpriseRow)
            .where(EnterpriseRow.name.icontains(name_part, autoescape=True))
            .order_by(sa.func.length(EnterpriseRow.name), EnterpriseRow.id)
            .limit(limit)
        )
        return [_enterprise(r) for r in rows]


class SqlEnterprises:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, name: str, credit_code: str, grid_id: int | None) -> Enterprise:
        row = EnterpriseRow(name=name, credit_code=credit_code.strip().upper(), grid_id=grid_id)
        self.session.add(row)
        self.session.flush()
        return _enterprise(row)

    def set_baolian(self, enterprise_id: int, cadre_id: int | None) -> None:
        self.session.execute(sa.update(EnterpriseRow).where(EnterpriseRow.id == enterprise_id)
                             .values(assigned_cadre_id=cadre_id))


class SqlRoster:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, name: str, role: str, org_unit_id: int, phone: str) -> Cadre:
        row = CadreRow(name=name, role=role, org_unit_id=org_unit_id, phone=phone)
        self.session.add(row)
        self.session.flush()
        return _cadre(row)

    def disable(self, cadre_id: int, at: datetime) -> None:
        self.session.execute(sa.update(CadreRow).where(CadreRow.id == cadre_id, _WORKING)
                             .values(disabled_at=to_db(at), account_id=None)
                             .execution_options(synchronize_session="fetch"))

    def set_duty(self, org_unit_id: int, cadre_id: int) -> None:
        self.session.execute(sa.update(OrgUnitRow).where(OrgUnitRow.id == org_unit_id)
                             .values(duty_cadre_id=cadre_id).execution_options(synchronize_session="fetch"))

    def grant(self, grant: Grant, by_cadre_id: int | None, at: datetime) -> bool:
        table = RoleGrantRow.__table__
        inserted = self.session.execute(dialect_insert(self.session, table).values(
            cadre_id=grant.cadre_id, role=grant.role.value, org_unit_id=grant.org_unit_id,
            granted_by_cadre_id=by_cadre_id, granted_at=to_db(at),
        ).on_conflict_do_nothing(index_elements=["cadre_id", "role", "org_unit_id"]).returning(table.c.id)).first()
        return inserted is not None

    def revoke(self, grant: Grant) -> bool:
        table = RoleGrantRow.__table__
        deleted = self.session.execute(sa.delete(table).where(
            table.c.cadre_id == grant.cadre_id, table.c.role == grant.role.value,
            table.c.org_unit_id == grant.org_unit_id).returning(table.c.id)).first()
        return deleted is not None


class SqlUnitSettings:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of(self, org_unit_ids: Collection[int], key: str) -> dict[int, Any]:
        if not org_unit_ids:
            return {}
        table = UnitSettingRow.__table__
        return dict(self.session.execute(sa.select(table.c.org_unit_id, table.c.value).where(
            table.c.key == key, id_in(self.session, table.c.org_unit_id, org_unit_ids))).all())

    def everywhere(self, key: str) -> dict[int, Any]:
        table = UnitSettingRow.__table__
        return dict(self.session.execute(sa.select(table.c.org_unit_id, table.c.value)
                                         .where(table.c.key == key).order_by(table.c.org_unit_id)).all())

    def put(self, org_unit_id: int, key: str, value: Any, by_cadre_id: int | None, at: datetime) -> None:
        insert = dialect_insert(self.session, UnitSettingRow.__table__).values(
            org_unit_id=org_unit_id, key=key, value=value, set_by_cadre_id=by_cadre_id, set_at=to_db(at))
        self.session.execute(insert.on_conflict_do_update(index_elements=["org_unit_id", "key"], set_={
            name: insert.excluded[name] for name in ("value", "set_by_cadre_id", "set_at")}))

    def remove(self, org_unit_id: int, key: str) -> bool:
        table = UnitSettingRow.__table__
        return self.session.execute(sa.delete(table).where(table.c.org_unit_id == org_unit_id, table.c.key == key)
                                    .returning(table.c.id)).first() is not None



def subtree(org_unit_id: int) -> sa.Select[tuple[int]]:
    """The ids of the unit and every unit below it (a recursive query, on SQLite and PostgreSQL)."""
    tree = sa.select(OrgUnitRow.id).where(OrgUnitRow.id == org_unit_id).cte("tree", recursive=True)
    tree = tree.union_all(sa.select(OrgUnitRow.id).where(OrgUnitRow.parent_id == tree.c.id))
    return sa.select(tree.c.id)


class SqlInvites:
    def __init__(self, session: Session) -> None:
        self.session = session

    def redeem(self, token: str, account_id: int, now: datetime) -> Cadre | Refused:
        """Bind the invite's cadre to `account_id`, once; else why not.

        Refused (and the invite stays unused) when `account_id` already belongs to a different
        cadre: one account is one cadre. The account it bound opening it again gets its cadre.
        """
        invite = self.session.scalars(sa.select(CadreInviteRow).where(CadreInviteRow.token == token)).one_or_none()
        if invite is None:
            return Refused(InviteRefusal.UNKNOWN)
        row = self.session.get(CadreRow, invite.cadre_id)
        assert row is not None
        cadre = _cadre(row)
        if invite.used_at is not None and row.account_id == account_id:
            return cadre  # their own link, opened again
        other = self.session.scalars(
            sa.select(CadreRow).where(CadreRow.account_id == account_id, CadreRow.id != invite.cadre_id)
        ).first()
        if other is not None:
            return Refused(InviteRefusal.OTHER_CADRE, _cadre(other))
        at = to_db(now)
        # Conditional UPDATE: of two concurrent redemptions, exactly one matches.
        result = self.session.execute(
            sa.update(CadreInviteRow)
            .where(
                CadreInviteRow.id == invite.id,
                CadreInviteRow.used_at.is_(None),
                CadreInviteRow.expires_at > at,
            )
            .values(used_at=at)
            .execution_options(synchronize_session="fetch")
        )
        if result.rowcount != 1:
            self.session.refresh(invite)
            if invite.used_at is not None:
                return Refused(InviteRefusal.USED, cadre)
            return Refused(InviteRefusal.EXPIRED, cadre, from_db(invite.expires_at))
        row.account_id = account_id
        self.session.flush()
        return _cadre(row)

    def issue(self, cadre_id: int, now: datetime, ttl: timedelta) -> str:
        if self.session.get(CadreRow, cadre_id) is None:
            raise LookupError(f"no cadre {cadre_id}")
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        token = secrets.token_urlsafe(INVITE_TOKEN_BYTES)
        self.session.add(CadreInviteRow(token=token, cadre_id=cadre_id, expires_at=to_db(now + ttl)))
        self.session.flush()
        return token

    def unbound_under(self, org_unit_id: int, now: datetime) -> list[Unbound]:
        live = (sa.select(CadreInviteRow.cadre_id, sa.func.max(CadreInviteRow.expires_at).label("expires_at"))
                .where(CadreInviteRow.used_at.is_(None), CadreInviteRow.expires_at > to_db(now))
                .group_by(CadreInviteRow.cadre_id).subquery())
        rows = self.session.execute(
            sa.select(CadreRow, OrgUnitRow.name, live.c.expires_at)
            .join(OrgUnitRow, OrgUnitRow.id == CadreRow.org_unit_id)
            .outerjoin(live, live.c.cadre_id == CadreRow.id)
            .where(CadreRow.org_unit_id.in_(subtree(org_unit_id)), CadreRow.account_id.is_(None), _WORKING)
            .order_by(OrgUnitRow.name, CadreRow.name, CadreRow.id)
        ).all()
        return [Unbound(_cadre(row), unit_name, from_db(expires)) for row, unit_name, expires in rows]


class SqlTickets:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_number(self, year: int) -> str:
        """LX-{year}-{n:06d}, n counting up from 1 per year; safe across concurrent sessions.

        One statement: insert the year's counter at 1, or bump it. On PostgreSQL the row
        lock makes a concurrent session wait for this transaction to end.
        """
        table = TicketCounterRow.__table__
        stmt = dialect_insert(self.session, table).values(year=year, last=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["year"], set_={"last": table.c["last"] + 1}
        ).returning(table.c["last"])
        n = self.session.execute(stmt).scalar_one()
        return f"LX-{year}-{n:06d}"

    def add(self, ticket: Ticket) -> Ticket:
        """Insert a new ticket (id None) and its `new_events`; sets and returns it with its id."""
        if ticket.id is not None:
            raise ValueError(f"ticket {ticket.id} is already stored; use save()")
        created_at = to_db(ticket.created_at)
        updated_at = max([created_at, *(to_db(e.at) for e in ticket.new_events)])
        table = TicketRow.__table__
        ticket.id = self.session.execute(sa.insert(table).values(
            number=ticket.number, created_at=created_at, updated_at=updated_at, **_ticket_fields(ticket)
        ).returning(table.c.id)).scalar_one()
        self._append_events(ticket.id, ticket, last_seq=0)  # a new ticket has no history yet
        return ticket

    def get(self, ticket_id: int) -> Ticket | None:
        row = self.session.execute(_select_tickets().where(TicketRow.id == ticket_id)).first()
        if row is None:
            return None
        events = self.session.execute(
            _select_history().where(TicketEventRow.ticket_id == ticket_id).order_by(TicketEventRow.seq))
        return _ticket(row, [_event(*event) for event in events])

    def get_many(self, ticket_ids: Collection[int]) -> list[Ticket]:
        """Two SELECTs for any number of tickets: the rows, then every event of them in order."""
        if not ticket_ids:
            return []
        ids = sorted(ticket_ids)
        tickets, events = TicketRow.__table__, TicketEventRow.__table__
        histories: dict[int, list[TicketEvent]] = {i: [] for i in ids}
        for ticket_id, kind, at, actor_account_id, data in self.session.execute(
                _select_history(events.c.ticket_id).where(id_in(self.session, events.c.ticket_id, ids))
                .order_by(events.c.ticket_id, events.c.seq)).all():
            histories[ticket_id].append(_event(kind, at, actor_account_id, data))
        rows = self.session.execute(_select_tickets().where(id_in(self.session, tickets.c.id, ids))
                                    .order_by(tickets.c.id)).all()
        return [_ticket(row, histories[row[0]]) for row in rows]

    def save_plans(self, tickets: Sequence[Ticket]) -> None:
        """Three statements for a batch: the plans, the last event numbers, the new events (see
        `_update_plans`, `insert_rows`). The rows were locked by the sweep's claim."""
        if not tickets:
            return
        now = _utcnow()
        plans = [(ticket.id, to_db(ticket.next_action_at) if ticket.next_action_at else None, ticket.ladder_step,
                  to_db(ticket.due_at) if ticket.due_at else None,
                  max((to_db(e.at) for e in ticket.new_events), default=now)) for ticket in tickets]
        _update_plans(self.session, plans)
        self._append_many([ticket for ticket in tickets if ticket.new_events])

    def _append_many(self, tickets: Sequence[Ticket]) -> None:
        if not tickets:
            return
        events = TicketEventRow.__table__
        last = dict(self.session.execute(
            sa.select(events.c.ticket_id, sa.func.max(events.c.seq))
            .where(id_in(self.session, events.c.ticket_id, [t.id for t in tickets if t.id is not None]))
            .group_by(events.c.ticket_id)).all())
        rows = [(ticket.id, seq, str(event.kind), to_db(event.at), event.actor_account_id, dict(event.data))
                for ticket in tickets
                for seq, event in enumerate(ticket.new_events, start=(last.get(ticket.id) or 0) + 1)]
        if _in_process(self.session):
            _execute_many(self.session, events, _INSERT_EVENT, _EVENT_COLUMNS, rows)
        else:
            self.session.execute(_INSERT_EVENTS_FROM_JSON, {"rows": _json_rows(_EVENT_COLUMNS, rows)})
        for ticket in tickets:
            ticket.new_events.clear()

    def by_number(self, number: str) -> Ticket | None:
        ticket_id = self.session.scalar(sa.select(TicketRow.id).where(TicketRow.number == number))
        return self.get(ticket_id) if ticket_id is not None else None

    def page_for_owner(self, cadre_id: int, statuses: Collection[str], offset: int,
                       limit: int) -> tuple[list[Ticket], int]:
        """A cadre's tickets in `statuses`, oldest first (the longest waiting on top), and their count."""
        where = (TicketRow.owner_cadre_id == cadre_id, TicketRow.status.in_(list(statuses)))
        return self._page(where, TicketRow.created_at.asc(), offset, limit)

    def page_for_reporter(self, account_id: int, offset: int, limit: int,
                          statuses: Collection[str] | None = None) -> tuple[list[Ticket], int]:
        """What one person reported (in `statuses`, or all of it), newest first, and its count."""
        where = (TicketRow.reporter_account_id == account_id,
                 *((TicketRow.status.in_(list(statuses)),) if statuses is not None else ()))
        return self._page(where, TicketRow.created_at.desc(), offset, limit)

    def open_owned(self, cadre_id: int, enterprise_id: int | None = None) -> list[int]:
        query = sa.select(TicketRow.id).where(TicketRow.owner_cadre_id == cadre_id,
                                              TicketRow.status.in_(sorted(OPEN)))
        if enterprise_id is not None:
            query = query.where(TicketRow.enterprise_id == enterprise_id)
        return list(self.session.scalars(query.order_by(TicketRow.created_at, TicketRow.id)))

    def provisional_open(self) -> list[int]:
        """Ids of open tickets whose history ever said their deadlines were provisional (by the
        (kind, at, ticket_id) index: the cost follows those events, not the whole history)."""
        marked = (sa.select(TicketEventRow.ticket_id)
                  .where(TicketEventRow.kind == EventKind.DEADLINES_PROVISIONAL.value).distinct().subquery())
        query = (sa.select(TicketRow.id).join(marked, marked.c.ticket_id == TicketRow.id)
                 .where(TicketRow.status.in_(sorted(OPEN))).order_by(TicketRow.id))
        return list(self.session.scalars(query))

    def resolved_before(self, cutoff: datetime, limit: int) -> list[int]:
        """Ids of tickets still awaiting the reporter's verdict whose 办结 is older than `cutoff`
        (by the (status, resolved_at) index: the cost follows the tickets due, not the history)."""
        query = (sa.select(TicketRow.id)
                 .where(TicketRow.status == "resolved", TicketRow.resolved_at <= to_db(cutoff))
                 .order_by(TicketRow.resolved_at, TicketRow.id).limit(limit))
        return list(self.session.scalars(query))

    def linked_to(self, ticket_id: int) -> list[Ticket]:
        """The tickets that share this one's problem (its duplicates), with their histories."""
        ids = self.session.scalars(sa.select(TicketRow.id).where(TicketRow.linked_to_id == ticket_id)
                                   .order_by(TicketRow.id))
        return [ticket for i in list(ids) if (ticket := self.get(i)) is not None]

    def claim_actions_due(self, now: datetime, limit: int) -> list[int]:
        """By the (next_action_at, owner) index; FOR UPDATE SKIP LOCKED on PostgreSQL, so two
        processes sweeping at once never take the same ticket (SQLite serialises writers anyway)."""
        query = (sa.select(TicketRow.id).where(TicketRow.next_action_at <= to_db(now))
                 .order_by(TicketRow.next_action_at, TicketRow.owner_cadre_id, TicketRow.id).limit(limit)
                 .with_for_update(skip_locked=True, of=TicketRow))
        return list(self.session.scalars(query))

    def revisits_due(self, now: datetime, limit: int) -> list[int]:
        """Ids of confirmed tickets whose 回头看 is due (by the revisit_at index)."""
        query = (sa.select(TicketRow.id).where(TicketRow.revisit_at <= to_db(now))
                 .order_by(TicketRow.revisit_at, TicketRow.id).limit(limit))
        return list(self.session.scalars(query))

    def _page(self, where: tuple, order: Any, offset: int, limit: int) -> tuple[list[Ticket], int]:
        total = self.session.scalar(sa.select(sa.func.count()).select_from(TicketRow).where(*where)) or 0
        rows = self.session.execute(_select_tickets().where(*where).order_by(order, TicketRow.id)
                                    .offset(offset).limit(limit))
        return [_ticket(row, []) for row in rows], total

    def save(self, ticket: Ticket) -> None:
        """Write the fields that changed and append `ticket.new_events` (then clears them)."""
        if ticket.id is None:
            raise ValueError("ticket has no id; use add()")
        # Lock the ticket row (PostgreSQL) so two saves cannot pick the same event seq.
        row = self.session.get(TicketRow, ticket.id, with_for_update=True, populate_existing=True)
        if row is None:
            raise LookupError(f"no ticket {ticket.id}")
        changed = False
        for name, value in _ticket_fields(ticket).items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if ticket.new_events:
            row.updated_at = max(to_db(e.at) for e in ticket.new_events)
        elif changed:
            row.updated_at = _utcnow()
        self.session.flush()
        self._append_events(ticket.id, ticket)

    def _append_events(self, ticket_id: int, ticket: Ticket, last_seq: int | None = None) -> None:
        """The new events after the ticket's last (`last_seq`, read when not known), in one statement."""
        if not ticket.new_events:
            return
        if last_seq is None:
            last_seq = self.session.scalar(sa.select(sa.func.coalesce(sa.func.max(TicketEventRow.seq), 0))
                                           .where(TicketEventRow.ticket_id == ticket_id)) or 0
        insert_rows(self.session, TicketEventRow.__table__, [
            {"ticket_id": ticket_id, "seq": seq, "kind": str(event.kind), "at": to_db(event.at),
             "actor_account_id": event.actor_account_id, "data": dict(event.data)}
            for seq, event in enumerate(ticket.new_events, start=last_seq + 1)])
        ticket.new_events.clear()


def _complaint(row: ComplaintRow) -> Complaint:
    assert row.id is not None
    return Complaint(row.id, row.complainant_account_id, row.cadre_id, row.org_unit_id, row.text, row.ticket_id,
                     Finding(row.finding) if row.finding else None, row.found_by_cadre_id, row.finding_reason,
                     from_db(row.at))


class SqlComplaints:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, complainant_account_id: int, cadre_id: int, org_unit_id: int, text: str, at: datetime,
            ticket_id: int | None = None) -> int:
        row = ComplaintRow(complainant_account_id=complainant_account_id, cadre_id=cadre_id,
                           org_unit_id=org_unit_id, text=text, at=to_db(at), ticket_id=ticket_id)
        self.session.add(row)
        self.session.flush()
        assert row.id is not None
        return row.id

    def get(self, complaint_id: int) -> Complaint | None:
        row = self.session.get(ComplaintRow, complaint_id, populate_existing=True)
        return _complaint(row) if row is not None else None

    def filed_by(self, account_id: int) -> list[Complaint]:
        rows = self.session.scalars(sa.select(ComplaintRow).where(ComplaintRow.complainant_account_id == account_id)
                                    .order_by(ComplaintRow.id).execution_options(populate_existing=True))
        return [_complaint(row) for row in rows]

    def record_finding(self, complaint_id: int, finding: Finding, cadre_id: int, at: datetime,
                       reason: str = "") -> bool:
        """False if the complaint already has a finding (two supervisors at once: the first wins)."""
        row = self.session.get(ComplaintRow, complaint_id, with_for_update=True, populate_existing=True)
        if row is None or row.finding is not None:
            return False
        row.finding, row.found_by_cadre_id, row.found_at = finding.value, cadre_id, to_db(at)
        row.finding_reason = reason
        self.session.flush()
        return True


_mark_seen = _built_once(lambda dialect: insert_for(dialect, SeenUpdateRow.__table__)
                         .on_conflict_do_nothing(index_elements=["platform", "update_id"])
                         .returning(SeenUpdateRow.__table__.c.id))


class SqlSeenUpdates:
    def __init__(self, session: Session) -> None:
        self.session = session

    def first_time(self, platform: str, update_id: str) -> bool:
        # RETURNING yields a row only when the insert happened (rowcount is unreliable here).
        return self.session.execute(_mark_seen(self.session), {
            "platform": platform, "update_id": update_id, "at": _utcnow()}).first() is not None

    def forget_before(self, cutoff: datetime) -> int:
        """Drop records older than `cutoff` (housekeeping); returns how many."""
        result = self.session.execute(sa.delete(SeenUpdateRow).where(SeenUpdateRow.at < to_db(cutoff)))
        return result.rowcount


class SqlReporterProfiles:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, account_id: int) -> ReporterProfile | None:
        return self._first(ReporterProfileRow.account_id == account_id)

    def contact_of(self, enterprise_id: int) -> ReporterProfile | None:
        """The enterprise's registered contact: who bound it by its 连心卡 last, else the first
        account that reported for it."""
        bound = ReporterProfileRow.bound_at
        return self._first(ReporterProfileRow.enterprise_id == enterprise_id, bound.is_(None), bound.desc())

    def _first(self, where: Any, *order: Any) -> ReporterProfile | None:
        row = self.session.scalars(
            sa.select(ReporterProfileRow).where(where).order_by(*order, ReporterProfileRow.id).limit(1)
            .execution_options(populate_existing=True)  # save() upserts behind the identity map
        ).first()
        if row is None:
            return None
        return ReporterProfile(row.account_id, ReporterKind(row.kind), row.enterprise_id, row.phone,
                               from_db(row.bound_at))

    def save(self, profile: ReporterProfile) -> None:
        values = {"kind": str(profile.kind), "enterprise_id": profile.enterprise_id, "phone": profile.phone,
                  "bound_at": to_db(profile.bound_at) if profile.bound_at else None}
        stmt = dialect_insert(self.session, ReporterProfileRow.__table__).values(account_id=profile.account_id, **values)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["account_id"], set_=values))
