"""助企连心卡: a card per enterprise (its QR token and printed code), the wrong codes typed for it,
and when a reporter bound their enterprise by its card

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-27 21:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('contact_card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_contact_card_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_card')),
    sa.UniqueConstraint('enterprise_id', name=op.f('uq_contact_card_enterprise_id')),
    sa.UniqueConstraint('token', name=op.f('uq_contact_card_token'))
    )
    op.create_table('contact_card_tries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_contact_card_tries_account_id_account')),
    sa.ForeignKeyConstraint(['card_id'], ['contact_card.id'], name=op.f('fk_contact_card_tries_card_id_contact_card')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_card_tries')),
    sa.UniqueConstraint('card_id', 'account_id', name=op.f('uq_contact_card_tries_card_id_account_id'))
    )
    with op.batch_alter_table('reporter_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bound_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reporter_profile', schema=None) as batch_op:
        batch_op.drop_column('bound_at')
    op.drop_table('contact_card_tries')
    op.drop_table('contact_card')
