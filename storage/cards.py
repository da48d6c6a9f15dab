"""助企连心卡 on the database: the card of each enterprise, and the wrong codes typed for it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handlers.domain.model import CardTries, ContactCard, Enterprise
from storage.repositories import dialect_insert, enterprise_from_row, from_db, subtree, to_db
from storage.tables import ContactCardRow, ContactCardTriesRow, EnterpriseRow


def _card(row: ContactCardRow) -> ContactCard:
    assert row.id is not None
    return ContactCard(row.id, row.enterprise_id, row.token, row.code)


class SqlContactCards:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_enterprise(self, enterprise_id: int) -> ContactCard | None:
        row = self.session.scalars(sa.select(ContactCardRow).where(ContactCardRow.enterprise_id == enterprise_id)).first()
        return _card(row) if row else None

    def enterprises_under(self, org_unit_id: int) -> list[Enterprise]:
        rows = self.session.scalars(sa.select(EnterpriseRow).where(EnterpriseRow.grid_id.in_(subtree(org_unit_id)))
                                    .order_by(EnterpriseRow.name, EnterpriseRow.id))
        return [enterprise_from_row(row) for row in rows]

    def add(self, enterprise_id: int, token: str, code: str, at: datetime) -> ContactCard:
        row = ContactCardRow(enterprise_id=enterprise_id, token=token, code=code, created_at=to_db(at))
        self.session.add(row)
        self.session.flush()
        return _card(row)

    def by_token(self, token: str) -> ContactCard | None:
        row = self.session.scalars(sa.select(ContactCardRow).where(ContactCardRow.token == token)).first()
        return _card(row) if row else None

    def tries(self, card_id: int, account_id: int) -> CardTries:
        row = self.session.scalars(sa.select(ContactCardTriesRow).where(
            ContactCardTriesRow.card_id == card_id, ContactCardTriesRow.account_id == account_id)).first()
        return CardTries(row.failures, from_db(row.locked_until)) if row else CardTries()

    def set_tries(self, card_id: int, account_id: int, tries: CardTries) -> None:
        values = {"failures": tries.failures,
                  "locked_until": to_db(tries.locked_until) if tries.locked_until else None}
        insert = dialect_insert(self.session, ContactCardTriesRow.__table__)
        self.session.execute(insert.values(card_id=card_id, account_id=account_id, **values)
                             .on_conflict_do_update(index_elements=["card_id", "account_id"], set_=values))
