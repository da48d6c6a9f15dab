"""Indexes for the digest and 红黑榜 counts: events by kind and time, a unit's tickets by intake time (issue 6, benchmarks/city.py)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 23:30:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # ticket_id makes the index cover the event counts (SQLite reads no table rows for them)
    op.create_index('ix_ticket_event_kind_at', 'ticket_event', ['kind', 'at', 'ticket_id'], unique=False)
    # per org unit, so a township's digest reads its own tickets only; status and resolved_at
    # let the 'handled' count (open, or resolved since the start) come from the index alone
    op.create_index('ix_ticket_org_unit_created', 'ticket', ['org_unit_id', 'created_at', 'status', 'resolved_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_ticket_org_unit_created', table_name='ticket')
    op.drop_index('ix_ticket_event_kind_at', table_name='ticket_event')
