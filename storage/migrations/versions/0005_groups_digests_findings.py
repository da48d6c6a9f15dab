"""Leader groups bound to units (/bind) by admins, digests delivered once per place and period, 举报 findings (issue 6)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:14:34.386600

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('digest_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_delivery')),
    sa.UniqueConstraint('target', 'period', 'period_start', name=op.f('uq_digest_delivery_target_period_period_start'))
    )
    op.create_table('group_binding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('bound_by_cadre_id', sa.Integer(), nullable=False),
    sa.Column('bound_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bound_by_cadre_id'], ['cadre.id'], name=op.f('fk_group_binding_bound_by_cadre_id_cadre')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_group_binding_org_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_binding')),
    sa.UniqueConstraint('platform', 'chat_id', name=op.f('uq_group_binding_platform_chat_id'))
    )
    with op.batch_alter_table('group_binding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_binding_org_unit_id'), ['org_unit_id'], unique=False)

    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('finding', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column('finding_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('found_by_cadre_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('found_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_complaint_found_by_cadre_id_cadre'), 'cadre', ['found_by_cadre_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_complaint_ticket_id_ticket'), 'ticket', ['ticket_id'], ['id'])



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaint_ticket_id_ticket'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_complaint_found_by_cadre_id_cadre'), type_='foreignkey')
        batch_op.drop_column('found_at')
        batch_op.drop_column('found_by_cadre_id')
        batch_op.drop_column('finding_reason')
        batch_op.drop_column('finding')
        batch_op.drop_column('ticket_id')

    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.drop_column('is_admin')

    with op.batch_alter_table('group_binding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_binding_org_unit_id'))

    op.drop_table('group_binding')
    op.drop_table('digest_delivery')
