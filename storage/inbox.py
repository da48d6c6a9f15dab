"""The webhook inbox: updates recorded before they are acknowledged, handled once, per chat in order.

Several worker processes may receive one bot's webhook (behind a reverse proxy, or on one
port with SO_REUSEPORT). Each records what it receives here and only then answers 200,
so an acknowledged update survives any crash. Then a worker *claims* a chat's next update:
the lowest `update_id` of that chat not yet handled, and only while no live claim holds it.
So a chat's updates are handled one at a time, in the platform's order, by whichever
process gets there first; different chats go in parallel. The claim is a lease: a worker
that dies holding it is replaced once it runs out (the core's `seen_update` still drops
an update handled twice). Each method is one short transaction.

Why record and claim are separate transactions: a claim must see every update of the
chat that was recorded before it, including other processes' (READ COMMITTED).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage.repositories import insert_for, to_db
from storage.tables import InboxRow

INBOX = InboxRow.__table__


@dataclass(frozen=True)
class Claimed:
    """An update this worker now handles; `finish` it, whatever the outcome."""

    id: int
    update_id: int
    chat_key: str
    body: str


class InboxStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._record = (insert_for(engine.dialect.name, INBOX)
                        .on_conflict_do_nothing(index_elements=["platform", "update_id"]).returning(INBOX.c.id))

    def record(self, platform: str, update_id: int, chat_key: str, body: str, now: datetime) -> bool:
        """Keep the update (committed when this returns); False if it was already recorded (a resend)."""
        row = {"platform": platform, "update_id": update_id, "chat_key": chat_key, "body": body,
               "received_at": to_db(now)}
        with self.engine.begin() as connection:
            return connection.execute(self._record, row).first() is not None

    def claim(self, chat_key: str, worker: str, now: datetime, lease: timedelta) -> Claimed | None:
        """The chat's next update, claimed by `worker`; None while another worker handles the chat
        (it takes the next one itself when done) or when nothing is waiting."""
        with self.engine.begin() as connection:
            return _claim_next(connection, chat_key, worker, now, lease)

    def finish(self, claimed: Claimed, worker: str, now: datetime, lease: timedelta) -> Claimed | None:
        """Mark `claimed` handled and claim its chat's next update, in one transaction."""
        with self.engine.begin() as connection:
            connection.execute(_FINISH, {"claimed": claimed.id, "now": to_db(now)})
            return _claim_next(connection, claimed.chat_key, worker, now, lease)

    def stranded(self, now: datetime, received_before: datetime, limit: int = 500) -> list[str]:
        """Chats with updates nobody is handling: received before `received_before` and with no live
        claim in the chat (never claimed: their receiver died first; or the claimer's lease ran out)."""
        busy = INBOX.alias("busy")
        live_claim = sa.exists().where(busy.c.chat_key == INBOX.c.chat_key, busy.c.handled_at.is_(None),
                                       busy.c.claimed_until >= to_db(now))
        query = (sa.select(INBOX.c.chat_key).distinct()
                 .where(INBOX.c.handled_at.is_(None), INBOX.c.received_at < to_db(received_before), ~live_claim)
                 .limit(limit))
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def forget(self, handled_before: datetime) -> int:
        """Drop updates handled before then (the core's seen_update keeps the dedupe)."""
        with self.engine.begin() as connection:
            return connection.execute(sa.delete(INBOX).where(INBOX.c.handled_at < to_db(handled_before))).rowcount

    def waiting(self) -> int:
        """Updates received and not yet handled."""
        with self.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(INBOX)
                                      .where(INBOX.c.handled_at.is_(None))).scalar_one()


def _claim_next(connection: sa.Connection, chat_key: str, worker: str, now: datetime,
                lease: timedelta) -> Claimed | None:
    row = connection.execute(_CLAIM_NEXT, {"chat": chat_key, "worker": worker, "now": to_db(now),
                                           "until": to_db(now + lease)}).first()
    return None if row is None else Claimed(row.id, row.update_id, row.chat_key, row.body)


# Built once: building a statement costs more of this module's CPU than running it (every call
# built it anew, and SQLAlchemy then walked it for its cache key).
_EARLIEST = (sa.select(sa.func.min(INBOX.c.update_id))
             .where(INBOX.c.chat_key == sa.bindparam("chat"), INBOX.c.handled_at.is_(None)).scalar_subquery())
# The outer conditions are checked again on the row itself after waiting for a concurrent
# claimer or finisher (PostgreSQL's READ COMMITTED), so two workers never both win it.
_CLAIM_NEXT = (sa.update(INBOX)
               .where(INBOX.c.chat_key == sa.bindparam("chat"), INBOX.c.update_id == _EARLIEST,
                      INBOX.c.handled_at.is_(None),
                      sa.or_(INBOX.c.claimed_until.is_(None), INBOX.c.claimed_until < sa.bindparam("now")))
               .values(claimed_by=sa.bindparam("worker"), claimed_until=sa.bindparam("until"))
               .returning(INBOX.c.id, INBOX.c.update_id, INBOX.c.chat_key, INBOX.c.body))
_FINISH = (sa.update(INBOX).where(INBOX.c.id == sa.bindparam("claimed"))
           .values(handled_at=sa.bindparam("now"), claimed_by=None, claimed_until=None))
