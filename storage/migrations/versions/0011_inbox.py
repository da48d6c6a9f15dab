"""The webhook inbox: updates recorded before they are acknowledged, handled per chat in order

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 17:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('update_id', sa.BigInteger(), nullable=False),
    sa.Column('chat_key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox')),
    sa.UniqueConstraint('platform', 'update_id', name=op.f('uq_inbox_platform_update_id'))
    )
    op.create_index('ix_inbox_chat_key_handled_at_update_id', 'inbox', ['chat_key', 'handled_at', 'update_id'],
                    unique=False)
    op.create_index(op.f('ix_inbox_handled_at'), 'inbox', ['handled_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_inbox_handled_at'), table_name='inbox')
    op.drop_index('ix_inbox_chat_key_handled_at_update_id', table_name='inbox')
    op.drop_table('inbox')
