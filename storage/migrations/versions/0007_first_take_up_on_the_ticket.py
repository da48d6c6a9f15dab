"""The first take-up (交办 met) on the ticket, for digests: counted by an index range instead of
looking through every history of the period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 00:07:08

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('taken_up_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_ticket_taken_up_at_org_unit', ['taken_up_at', 'org_unit_id'], unique=False)
    # Tickets taken up before this revision: the first such event is in their history
    # (handlers.domain.model.TAKEN_UP, as of this revision).
    op.execute("UPDATE ticket SET taken_up_at = (SELECT min(e.at) FROM ticket_event e WHERE e.ticket_id = ticket.id "
               "AND e.kind IN ('accepted', 'handover_accepted', 'resolved'))")


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_taken_up_at_org_unit')
        batch_op.drop_column('taken_up_at')
