"""Due times per stage (限时办结), the reminder ladder's next action, and when it was last resolved (auto-confirm)

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
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_ticket_status_resolved_at', ['status', 'resolved_at'], unique=False)
    # Tickets resolved before this revision: their last 办结 is in their history.
    op.execute("UPDATE ticket SET resolved_at = (SELECT max(e.at) FROM ticket_event e "
               "WHERE e.ticket_id = ticket.id AND e.kind = 'resolved')")


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_resolved_at')
        batch_op.drop_column('due_at')
        batch_op.drop_column('resolved_at')
        batch_op.drop_index('ix_ticket_next_action_at_owner')
        batch_op.drop_column('ladder_step')
        batch_op.drop_column('next_action_at')
        batch_op.drop_column('settle_due_at')
        batch_op.drop_column('answer_due_at')
        batch_op.drop_column('assign_due_at')
