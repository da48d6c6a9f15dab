"""Leader groups bound to org units, and the record that makes each digest go out once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handlers.domain.model import GroupBinding
from storage.repositories import dialect_insert, to_db
from storage.tables import DigestDeliveryRow, GroupBindingRow


class SqlGroups:
    """handlers.ports.Groups on the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def bind(self, binding: GroupBinding, cadre_id: int, at: datetime) -> None:
        values = {"title": binding.title, "org_unit_id": binding.org_unit_id, "bound_by_cadre_id": cadre_id,
                  "bound_at": to_db(at)}
        stmt = dialect_insert(self.session, GroupBindingRow.__table__).values(
            platform=binding.platform, chat_id=binding.chat_id, **values)
        self.session.execute(stmt.on_conflict_do_update(index_elements=["platform", "chat_id"], set_=values))

    def unbind(self, platform: str, chat_id: str) -> bool:
        table = GroupBindingRow.__table__
        result = self.session.execute(sa.delete(table).where(table.c.platform == platform, table.c.chat_id == chat_id))
        return bool(result.rowcount)

    def binding(self, platform: str, chat_id: str) -> GroupBinding | None:
        row = self.session.scalars(sa.select(GroupBindingRow).where(
            GroupBindingRow.platform == platform, GroupBindingRow.chat_id == chat_id)).one_or_none()
        return _binding(row) if row is not None else None

    def bindings(self) -> list[GroupBinding]:
        return [_binding(row) for row in self.session.scalars(sa.select(GroupBindingRow).order_by(GroupBindingRow.id))]

    def claim_digest(self, target: str, period: str, start: datetime, at: datetime) -> bool:
        # The unique key does the work: a second process's insert waits for the first's commit, then does nothing.
        # RETURNING, not rowcount: psycopg reports -1 rows for an INSERT that skipped on conflict.
        table = DigestDeliveryRow.__table__
        stmt = dialect_insert(self.session, table).values(
            target=target, period=period, period_start=to_db(start), at=to_db(at)).on_conflict_do_nothing()
        return self.session.execute(stmt.returning(table.c.id)).first() is not None


def _binding(row: GroupBindingRow) -> GroupBinding:
    return GroupBinding(row.platform, row.chat_id, row.org_unit_id, row.title)
