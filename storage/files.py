"""Files people sent the bot, kept in the database so the bot can pass them on itself.

A relayed photo is a reference to a file the bot stored (`stored:12`), not a platform's
file id: the core keeps the reference on the ticket and in its messages, and each
platform's sender uploads the bytes. The same bytes are kept once (by their SHA-256).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from storage.repositories import dialect_insert
from storage.tables import StoredFileRow

STORED = "stored:"  # the prefix of a reference to a stored file: "stored:12"


def is_stored(reference: str) -> bool:
    """A reference to a file the bot stored; anything else is a platform's file id from before."""
    return reference.startswith(STORED)


class FileStore:
    """Stored files by reference; each method one short transaction, safe from a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def at(cls, database_url: str) -> FileStore:
        """A store on an engine of its own (connecting only when first used)."""
        from storage.db import make_engine

        return cls(make_engine(database_url))

    def keep(self, data: bytes) -> str:
        """Store `data` (once: the same bytes again get the same reference); its reference."""
        table = StoredFileRow.__table__
        digest = hashlib.sha256(data).hexdigest()
        with Session(self.engine) as session, session.begin():
            insert = dialect_insert(session, table).values(sha256=digest, data=data, size=len(data),
                                                           created_at=datetime.now(UTC))
            session.execute(insert.on_conflict_do_nothing(index_elements=["sha256"]))
            file_id = session.scalar(sa.select(table.c.id).where(table.c.sha256 == digest))
        return f"{STORED}{file_id}"

    def forget(self, reference: str) -> None:
        """Delete a stored file (a spreadsheet once imported: its data lives on in the register)."""
        number = reference[len(STORED):]
        if not is_stored(reference) or not number.isdecimal() or len(number) > 18:
            return
        table = StoredFileRow.__table__
        with Session(self.engine) as session, session.begin():
            session.execute(sa.delete(table).where(table.c.id == int(number)))

    def read(self, reference: str) -> bytes | None:
        """The stored bytes, or None for an unknown (or not a stored) reference."""
        number = reference[len(STORED):]
        if not is_stored(reference) or not number.isdecimal() or len(number) > 18:  # 18 digits: within 63 bits
            return None
        table = StoredFileRow.__table__
        with self.engine.connect() as connection:
            return connection.scalar(sa.select(table.c.data).where(table.c.id == int(number)))
