"""handlers.ports.Privacy on the unit of work's session: erasure across the tables.

What goes is the core's rule (handlers.privacy, docs/privacy.md); here it is done, in the
turn's transaction, so an erasure happens whole or not at all. Rows that other rows refer to
(the account, the tickets, their events, the 举报) stay, with the personal fields blanked;
rows that only hold a person's data (their profile, their chat's dialog, messages to them) go.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handlers.domain.events import EventKind
from handlers.domain.model import ERASED_PREFIX, Account, Finding
from handlers.payloads import finding
from storage.files import STORED, is_stored
from storage.repositories import id_in
from storage.tables import (AccountRow, CadreInviteRow, CadreRow, ContactCardTriesRow, RoleGrantRow, ComplaintRow, ConversationRow, EnterpriseRow,
                            InboxRow, LiveCardRow, OrgUnitRow, OutboxRow, ReporterProfileRow, StoredFileRow,
                            TicketEventRow, TicketRow)

DELIVERY_FAILED = EventKind.DELIVERY_FAILED.value  # its data names the chat a message could not reach


class SqlPrivacy:
    def __init__(self, session: Session) -> None:
        self.session = session

    def scrub_history(self, ticket_ids: Collection[int], account: Account, keys: Collection[str]) -> None:
        if not ticket_ids:
            return
        events = TicketEventRow.__table__
        rows = self.session.execute(
            sa.select(events.c.id, events.c.kind, events.c.actor_account_id, events.c.data)
            .where(id_in(self.session, events.c.ticket_id, ticket_ids),
                   sa.or_(events.c.actor_account_id == account.id, events.c.kind == DELIVERY_FAILED))).all()
        for event_id, kind, actor, data in rows:
            scrubbed = _scrubbed(dict(data or {}), keys if actor == account.id else ())
            if kind == DELIVERY_FAILED and scrubbed.get("chat_id") == account.chat_id:
                scrubbed["chat_id"] = ""
            if scrubbed != data:
                self.session.execute(sa.update(events).where(events.c.id == event_id).values(data=scrubbed))

    def erase_complaints(self, account_id: int) -> list[int]:
        table = ComplaintRow.__table__
        ids = list(self.session.scalars(sa.update(table).where(table.c.complainant_account_id == account_id)
                                        .values(text="").returning(table.c.id)))
        self.session.expire_all()  # rows the session holds (a 举报 read this turn) are stale now
        return sorted(ids)

    def forget_reporter(self, account: Account, ticket_ids: Collection[int], complaint_ids: Collection[int],
                        photos: Collection[str]) -> None:
        self.session.execute(sa.delete(ReporterProfileRow).where(ReporterProfileRow.account_id == account.id))
        self.session.execute(sa.delete(ContactCardTriesRow).where(ContactCardTriesRow.account_id == account.id))
        outbox = OutboxRow.__table__
        about = [outbox.c.ticket_id.in_(sorted(ticket_ids))] if ticket_ids else []
        # a 举报's copies to the supervisors carry its finding buttons (k:<verdict>:<id>), and its text
        about += [sa.cast(outbox.c.payload, sa.Text).like(f'%"{finding(verdict.value, complaint_id)}"%')
                  for complaint_id in complaint_ids for verdict in Finding]
        if about:
            self.session.execute(sa.delete(outbox).where(sa.or_(*about)))
        self._forget_chat(account)
        self._drop_unreferenced(photos)

    def duties_of(self, cadre_id: int) -> tuple[list[str], int]:
        units = list(self.session.scalars(sa.select(OrgUnitRow.name).where(OrgUnitRow.duty_cadre_id == cadre_id)
                                          .order_by(OrgUnitRow.id)))
        enterprises = self.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseRow)
                                          .where(EnterpriseRow.assigned_cadre_id == cadre_id)) or 0
        return units, enterprises

    def forget_cadre(self, cadre_id: int, placeholder: str) -> None:
        """The cadre row keeps its account link: the histories name who acted by account, and the
        ledger finds the cadre's (placeholder) name through it; the account no longer has a chat."""
        table = CadreRow.__table__
        account_id = self.session.scalar(sa.update(table).where(table.c.id == cadre_id).values(
            name=placeholder, phone="", phone_public=False, staff_key=None).returning(table.c.account_id))
        self.session.execute(sa.delete(RoleGrantRow).where(RoleGrantRow.cadre_id == cadre_id))  # no roles left
        self.session.execute(sa.delete(CadreInviteRow).where(CadreInviteRow.cadre_id == cadre_id,
                                                             CadreInviteRow.used_at.is_(None)))
        account = self.session.get(AccountRow, account_id) if account_id is not None else None
        if account is not None and not account.user_id.startswith(ERASED_PREFIX):
            self._forget_chat(Account(account_id, account.platform, account.user_id, account.chat_id, account.locale))
        self.session.expire_all()

    def _forget_chat(self, account: Account) -> None:
        """The account's chat: its dialog, the messages to it (sent or owed), its live cards, its handled
        webhook updates; then its platform ids and name. The row stays, for what refers to it."""
        platform, chat_id = account.platform, account.chat_id
        for table in (ConversationRow.__table__, OutboxRow.__table__, LiveCardRow.__table__):
            self.session.execute(sa.delete(table).where(table.c.platform == platform, table.c.chat_id == chat_id))
        inbox = InboxRow.__table__  # the webhook's key for a chat's updates (bot.webhook.chat_key)
        self.session.execute(sa.delete(inbox).where(inbox.c.chat_key == f"{platform}:chat:{chat_id}",
                                                    inbox.c.handled_at.is_not(None)))
        erased = f"{ERASED_PREFIX}{account.id}"
        accounts = AccountRow.__table__
        self.session.execute(sa.update(accounts).where(accounts.c.id == account.id)
                             .values(user_id=erased, chat_id=erased, display_name=""))
        self.session.expire_all()

    def _drop_unreferenced(self, photos: Collection[str]) -> None:
        """Stored photos are kept once per content: one goes when nothing refers to it any more."""
        for reference in sorted(set(photos)):
            if is_stored(reference) and reference[len(STORED):].isdecimal() and not self._referred_to(reference):
                self.session.execute(sa.delete(StoredFileRow).where(StoredFileRow.id == int(reference[len(STORED):])))

    def _referred_to(self, reference: str) -> bool:
        quoted = f'%"{reference}"%'
        for column in (TicketRow.__table__.c.photo_file_ids, TicketEventRow.__table__.c.data,
                       OutboxRow.__table__.c.payload):
            if self.session.scalar(sa.select(sa.literal(1)).where(sa.cast(column, sa.Text).like(quoted)).limit(1)):
                return True
        return False


def _scrubbed(data: dict[str, Any], keys: Collection[str]) -> dict[str, Any]:
    return {key: ([] if isinstance(value, list) else "") if key in keys else value for key, value in data.items()}
