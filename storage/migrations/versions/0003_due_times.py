"""Due times per stage (限时办结), the reminder ladder's next action, and a status index for the sweeps

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 20:45:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assign_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('settle_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_action_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ladder_step', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_index('ix_ticket_next_action_at_owner', ['next_action_at', 'owner_cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_status'))
        batch_op.drop_index('ix_ticket_next_action_at_owner')
        batch_op.drop_column('ladder_step')
        batch_op.drop_column('next_action_at')
        batch_op.drop_column('settle_due_at')
        batch_op.drop_column('answer_due_at')
        batch_op.drop_column('assign_due_at')
