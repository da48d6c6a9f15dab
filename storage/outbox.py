"""The outbox in the database: replies serialized into rows, and the dispatcher's queries.

`SqlOutbox.put` runs inside the turn's unit of work, so a message exists exactly
when the change that caused it was committed. `OutboxStore` is the dispatcher's
side (bot/outbox.py): each method is one short transaction of its own.

A row goes pending -> sending (claimed) -> sent, or back to pending with a
`retry_at` (429, a server error, a read timeout), or to failed (403, 400).
Per-chat order: a row is not claimed while an earlier row to the same chat is
being sent or waits for a retry. A row the core holds back (`not_before`, quiet
hours) does not hold up later ones until it is due itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from handlers.domain.events import EventKind
from handlers.messages import Msg
from handlers.ports import HeldLine, Lane
from handlers.seam import Address, Attachment, Button, Card, Reply
from storage.repositories import SqlTickets, from_db, insert_rows, to_db
from storage.tables import LiveCardRow, OutboxRow

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
HELD = "held"  # a sweep batch's reminder lines, to be bundled at the pass's end (SqlOutbox.take_held); never sent
DELIVERY_FAILED = EventKind.DELIVERY_FAILED  # the ticket event a human sees in /t
ERROR_LENGTH = 500

# -- Reply <-> JSON -------------------------------------------------------------
# JSON keeps str, numbers, bools, None and lists; anything else is tagged with "$".


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """The reply as JSON-able data; `reply_from_json` gives back an equal Reply."""
    return {
        "to": [reply.to.platform, reply.to.chat_id], "locale": reply.locale, "text": _encode(reply.text),
        "buttons": [[[_encode(b.label), b.payload] for b in row] for row in reply.buttons],
        "ask_contact": _encode(reply.ask_contact), "remove_keyboard": reply.remove_keyboard,
        "photo_file_ids": list(reply.photo_file_ids),
        "location": list(reply.location) if reply.location else None,
        "edit_message_id": reply.edit_message_id, "as_alert": reply.as_alert,
        "not_before": _encode(reply.not_before), "ticket_id": reply.ticket_id,
        "attachment": [reply.attachment.kind, _encode(reply.attachment.data)] if reply.attachment else None,
        "card": [reply.card.ticket_id, _encode(reply.card.retired), reply.card.mode] if reply.card else None,
    }


def reply_from_json(data: dict[str, Any]) -> Reply:
    platform, chat_id = data["to"]
    location = data.get("location")
    attachment = data.get("attachment")
    edit_message_id = data.get("edit_message_id")
    card = data.get("card")
    # str(): rows written before ids became strings (migration 0008) hold Telegram's integers
    return Reply(
        to=Address(platform, str(chat_id)), locale=data["locale"], text=_decode(data["text"]),
        buttons=tuple(tuple(Button(_decode(label), payload) for label, payload in row) for row in data["buttons"]),
        ask_contact=_decode(data.get("ask_contact")), remove_keyboard=data.get("remove_keyboard", False),
        photo_file_ids=tuple(data.get("photo_file_ids", ())),
        location=(location[0], location[1]) if location else None,
        edit_message_id=None if edit_message_id is None else str(edit_message_id), as_alert=data.get("as_alert", False),
        not_before=_decode(data.get("not_before")), ticket_id=data.get("ticket_id"),
        attachment=Attachment(attachment[0], _decode(attachment[1])) if attachment else None,
        card=Card(card[0], _decode(card[1]), card[2]) if card else None,
    )


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Msg):
        return {"$": "msg", "key": value.key, "params": {k: _encode(v) for k, v in value.params.items()}}
    if isinstance(value, datetime):
        return {"$": "datetime", "iso": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "iso": value.isoformat()}
    if isinstance(value, tuple):
        return {"$": "tuple", "items": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$": "dict", "items": {str(k): _encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot store a {type(value).__name__} in the outbox: {value!r}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value["$"]
    if tag == "msg":
        return Msg(value["key"], {k: _decode(v) for k, v in value["params"].items()})
    if tag == "datetime":
        return datetime.fromisoformat(value["iso"])
    if tag == "date":
        return date.fromisoformat(value["iso"])
    if tag == "tuple":
        return tuple(_decode(v) for v in value["items"])
    if tag == "dict":
        return {k: _decode(v) for k, v in value["items"].items()}
    raise ValueError(f"unknown outbox value tag {tag!r}")


# -- the core's side: written in the turn's transaction ------------------------------

class SqlOutbox:
    """handlers.ports.Outbox on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, replies: Iterable[Reply], lane: Lane) -> None:
        """One INSERT (executemany) for the lot: a morning's sweep owes thousands."""
        now = datetime.now(UTC)
        rows = [{"created_at": now, "lane": int(lane), "platform": reply.to.platform, "chat_id": reply.to.chat_id,
                 "payload": reply_to_json(reply), "ticket_id": reply.ticket_id,
                 "not_before": to_db(reply.not_before) if reply.not_before else None, "status": PENDING,
                 "attempts": 0, "parts_sent": 0, "maybe_duplicate": False} for reply in replies]
        insert_rows(self.session, OutboxRow.__table__, rows)

    def hold(self, lines: Sequence[HeldLine]) -> None:
        """One row for the lot (status held: never claimed, never sent), plain values in its payload."""
        if lines:
            insert_rows(self.session, OutboxRow.__table__, [{
                "created_at": datetime.now(UTC), "lane": int(Lane.BULK), "platform": "", "chat_id": "",
                "payload": {"lines": [[line.account_id, line.ticket_id, line.number, line.mark, line.says, line.stage,
                                       line.due.isoformat(), line.owner] for line in lines]},
                "status": HELD, "attempts": 0, "parts_sent": 0, "maybe_duplicate": False}])

    def take_held(self) -> list[HeldLine]:
        """DELETE … RETURNING: of two processes taking at once, each row goes to one of them."""
        table = OutboxRow.__table__
        taken = self.session.execute(sa.delete(table).where(table.c.status == HELD)
                                     .returning(table.c.id, table.c.payload)).all()
        return [HeldLine(account_id, ticket_id, number, mark, says, stage, datetime.fromisoformat(due), owner)
                for _, payload in sorted(taken, key=lambda row: row[0])
                for account_id, ticket_id, number, mark, says, stage, due, owner in payload["lines"]]



# -- the dispatcher's side --------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A row the dispatcher now holds (status sending)."""

    id: int
    reply: Reply
    attempts: int
    parts_sent: int
    maybe_duplicate: bool
    ticket_id: int | None
    lane: Lane = Lane.ANSWER  # paced as: the person acting comes first (bot/pacing.py)

    @property
    def chat(self) -> tuple[str, str]:
        return self.reply.to.platform, self.reply.to.chat_id


class OutboxStore:
    """The dispatcher's queries; each method is one transaction, safe from a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self.is_postgres = engine.dialect.name == "postgresql"
        # Built once: the claim runs after every update, and building its statements (and their
        # cache keys) each time cost as much as running them.
        self._claim = _claim_statement(self.is_postgres)

    def claim(self, now: datetime, limit: int, platforms: Collection[str], *,
              up_to_lane: Lane = Lane.BULK, sent: Collection[int] = ()) -> list[Claimed]:
        """Mark up to `limit` due rows to `platforms` as sending, lane by lane (answers first)
        in id order, keeping each chat's order; only lanes up to `up_to_lane` (ANSWER: answers
        only). Rows to other platforms are left pending for a process that serves them.
        `sent`: rows whose messages went out since the last claim, marked sent first, in the
        same transaction (one commit for both; a chat's next row is then free to be claimed)."""
        now = to_db(now)
        with self.engine.begin() as connection:  # Core: no ORM session to set up for two statements
            _mark_sent(connection, sent, now)
            rows = connection.execute(self._claim, {"now": now, "platforms": list(platforms),
                                                    "up_to_lane": int(up_to_lane), "limit": limit}).all()
        claimed = [Claimed(r.id, reply_from_json(r.payload), r.attempts, r.parts_sent, r.maybe_duplicate,
                           r.ticket_id, Lane(r.lane)) for r in rows]
        return sorted(claimed, key=lambda c: c.id)

    def mark_sent(self, row_ids: Collection[int], now: datetime) -> None:
        """These rows' messages went out (one statement for the lot)."""
        if row_ids:
            with self.engine.begin() as connection:
                _mark_sent(connection, row_ids, to_db(now))

    def retry(self, row_id: int, at: datetime, error: str, *, attempts: int, parts_sent: int,
              maybe_duplicate: bool = False) -> None:
        """Back to pending, not to be claimed before `at`; later rows to its chat wait for it."""
        values: dict[str, Any] = {"status": PENDING, "retry_at": to_db(at), "last_error": error[:ERROR_LENGTH],
                                  "attempts": attempts, "parts_sent": parts_sent, "claimed_at": None}
        if maybe_duplicate:
            values["maybe_duplicate"] = True
        self._update(row_id, **values)

    def release(self, row_ids: Iterable[int]) -> None:
        """Rows claimed but not tried (a stop, or an earlier row of the chat must be retried first)."""
        ids = list(row_ids)
        if not ids:
            return
        table = OutboxRow.__table__
        with self.engine.begin() as connection:
            connection.execute(sa.update(table).where(table.c.id.in_(ids), table.c.status == SENDING)
                               .values(status=PENDING, claimed_at=None))

    def fail(self, claimed: Claimed, error: str, now: datetime, *, undeliverable: bool) -> None:
        """Give up on the row; if the recipient cannot be reached, say so on its ticket."""
        with self._sessions() as session, session.begin():
            session.execute(sa.update(OutboxRow.__table__).where(OutboxRow.__table__.c.id == claimed.id)
                            .values(status=FAILED, last_error=error[:ERROR_LENGTH], claimed_at=None,
                                    attempts=claimed.attempts + 1))
            if undeliverable and claimed.ticket_id is not None:
                _record_delivery_failed(session, claimed, error, now)

    def recover(self, now: datetime, lease: timedelta, keep: Iterable[int] = ()) -> int:
        """Rows left `sending` longer than `lease` by a dead dispatcher go back to pending,
        flagged: their message may have gone out just before the crash."""
        table = OutboxRow.__table__
        stale = sa.and_(table.c.status == SENDING, table.c.claimed_at < to_db(now - lease))
        kept = list(keep)
        if kept:
            stale = sa.and_(stale, table.c.id.not_in(kept))
        with self.engine.begin() as connection:
            result = connection.execute(sa.update(table).where(stale).values(
                status=PENDING, claimed_at=None, maybe_duplicate=True,
                last_error="recovered: left sending by a dispatcher that stopped"))
        return result.rowcount or 0

    def next_due(self, now: datetime) -> datetime | None:
        """When the earliest row now waiting (quiet hours or a retry) falls due, if any."""
        table = OutboxRow.__table__
        due = sa.func.coalesce(table.c.retry_at, table.c.not_before)
        with self.engine.connect() as connection:
            value = connection.scalar(sa.select(sa.func.min(due)).where(table.c.status == PENDING))
        return from_db(value)

    def live_card(self, ticket_id: int, platform: str, chat_id: str) -> str | None:
        """The message that is the ticket's live card in this chat, if one is known."""
        table = LiveCardRow.__table__
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(table.c.message_id).where(
                table.c.ticket_id == ticket_id, table.c.platform == platform, table.c.chat_id == chat_id))

    def remember_card(self, ticket_id: int, platform: str, chat_id: str, message_id: str, now: datetime) -> None:
        """This message is now the ticket's live card in this chat (one dispatcher writes these)."""
        table = LiveCardRow.__table__
        key = sa.and_(table.c.ticket_id == ticket_id, table.c.platform == platform, table.c.chat_id == chat_id)
        with self.engine.begin() as connection:
            changed = connection.execute(sa.update(table).where(key).values(message_id=message_id,
                                                                              updated_at=to_db(now)))
            if not changed.rowcount:
                connection.execute(sa.insert(table).values(ticket_id=ticket_id, platform=platform, chat_id=chat_id,
                                                           message_id=message_id, updated_at=to_db(now)))

    def counts(self) -> dict[str, int]:
        table = OutboxRow.__table__
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(table.c.status, sa.func.count()).group_by(table.c.status))
            return {status: n for status, n in rows}

    def _update(self, row_id: int, **values: Any) -> None:
        table = OutboxRow.__table__
        with self.engine.begin() as connection:
            connection.execute(sa.update(table).where(table.c.id == row_id).values(**values))


_TABLE = OutboxRow.__table__
_NOW = sa.bindparam("now", type_=_TABLE.c.claimed_at.type)
_IDS = sa.bindparam("ids", expanding=True)
_MARK_SENT = sa.update(_TABLE).where(_TABLE.c.id.in_(_IDS)).values(status=SENT, sent_at=_NOW, retry_at=None)


def _claim_statement(for_postgres: bool) -> sa.Update:
    """The due rows, answers first in id order, marked sending and returned: one statement, so one
    round trip to PostgreSQL (a SELECT then an UPDATE took two, and a claim runs after every update)."""
    due = _TABLE.alias("due")  # the rows chosen, apart from the row being updated
    chosen = (sa.select(due.c.id)
              .where(due.c.platform.in_(sa.bindparam("platforms", expanding=True)),
                     due.c.lane <= sa.bindparam("up_to_lane"), _due(due, _NOW), ~_held_up(due, _NOW))
              .order_by(due.c.lane, due.c.id).limit(sa.bindparam("limit")))
    if for_postgres:  # a second dispatcher (a lost leader) skips what this one holds
        chosen = chosen.with_for_update(skip_locked=True)
    # Chosen once (a materialized WITH): as a plain IN (subquery) PostgreSQL may run the choice
    # again for each row it updates, and with SKIP LOCKED each run takes other rows: past the limit.
    chosen_once = chosen.cte("chosen").prefix_with("MATERIALIZED", dialect="postgresql")
    return (sa.update(_TABLE).where(_TABLE.c.id.in_(sa.select(chosen_once.c.id)), _TABLE.c.status == PENDING)
            .values(status=SENDING, claimed_at=_NOW)
            .returning(_TABLE.c.id, _TABLE.c.payload, _TABLE.c.attempts, _TABLE.c.parts_sent,
                       _TABLE.c.maybe_duplicate, _TABLE.c.ticket_id, _TABLE.c.lane))


def _mark_sent(on: Connection, row_ids: Collection[int], now: datetime) -> None:
    if row_ids:
        on.execute(_MARK_SENT, {"ids": sorted(row_ids), "now": now})


def _due(table: sa.Table, now: sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(table.c.status == PENDING,
                   sa.or_(table.c.not_before.is_(None), table.c.not_before <= now),
                   sa.or_(table.c.retry_at.is_(None), table.c.retry_at <= now))


def _held_up(table: sa.Table, now: sa.BindParameter[datetime]) -> sa.Exists:
    """An earlier row to the same chat is being sent or waits for a retry."""
    earlier = table.alias("earlier")
    return sa.exists().where(
        earlier.c.platform == table.c.platform, earlier.c.chat_id == table.c.chat_id, earlier.c.id < table.c.id,
        sa.or_(earlier.c.status == SENDING, sa.and_(earlier.c.status == PENDING, earlier.c.retry_at > now)))


def _record_delivery_failed(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
    tickets = SqlTickets(session)
    ticket = tickets.get(claimed.ticket_id)  # type: ignore[arg-type]
    if ticket is None:
        return
    ticket.record(DELIVERY_FAILED, now, None, chat_id=claimed.reply.to.chat_id,
                  message=claimed.reply.text.key, error=error[:200])
    tickets.save(ticket)


# -- leadership: one dispatcher across all processes ------------------------------

LEADER_LOCK_KEY = 0x4C584F42  # "LXOB": the outbox dispatcher's advisory lock


class Leadership:
    """Who may dispatch. On PostgreSQL: a session advisory lock held on a connection of its
    own, so it lasts exactly as long as this process's session (a killed process loses it).
    On SQLite there are no such locks: one bot process per database file is assumed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self.engine.dialect.name != "postgresql"

    def try_acquire(self) -> bool:
        if self.held:
            return True
        connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY})
        except Exception:
            connection.close()
            raise
        if got:
            self._connection = connection
        else:
            connection.close()
        return bool(got)

    def confirm(self) -> bool:
        """Still the leader? False once the lock's connection is gone."""
        if self._connection is None:
            return self.held
        try:
            self._connection.scalar(sa.text("SELECT 1"))
            return True
        except Exception:
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY})
        except Exception:  # the connection is gone, and the lock with it
            pass
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                pass
