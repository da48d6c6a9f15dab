"""Live ticket cards: which message in a chat is a ticket's card, edited in place as it moves

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 14:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Cards sent before this revision are not known: the first notice's "open card" makes one live.
    op.create_table('live_card',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_live_card_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('ticket_id', 'platform', 'chat_id', name=op.f('pk_live_card'))
    )


def downgrade() -> None:
    op.drop_table('live_card')
