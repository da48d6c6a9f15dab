"""Drop ix_ticket_org_unit_id: ix_ticket_org_unit_created leads with the same column

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 20:30:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: Union[str, Sequence[str], None] = '0012'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Every query by a ticket's unit can use (org_unit_id, created_at, status, resolved_at); the single-column
# index only cost each ticket write one more index entry (a tenth of the sweep's time on PostgreSQL).


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_org_unit_id')


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_org_unit_id', ['org_unit_id'], unique=False)
