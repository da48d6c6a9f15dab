"""Roles held per org unit (role_grant), disabled cadres, settings admins keep on units (issue 16)

cadre.is_admin becomes an admin grant on the cadre's own unit, and the column goes: the grants
are the one place that says who administers what (handlers.authority), so nothing can read a
stale flag that disagrees with them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27 21:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('role_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_cadre_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['cadre.id'], name=op.f('fk_role_grant_cadre_id_cadre')),
    sa.ForeignKeyConstraint(['granted_by_cadre_id'], ['cadre.id'], name=op.f('fk_role_grant_granted_by_cadre_id_cadre')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_role_grant_org_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grant')),
    sa.UniqueConstraint('cadre_id', 'role', 'org_unit_id', name=op.f('uq_role_grant_cadre_id_role_org_unit_id'))
    )
    op.create_index('ix_role_grant_role_org_unit_id', 'role_grant', ['role', 'org_unit_id'], unique=False)
    op.create_table('unit_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('set_by_cadre_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_unit.id'], name=op.f('fk_unit_setting_org_unit_id_org_unit')),
    sa.ForeignKeyConstraint(['set_by_cadre_id'], ['cadre.id'], name=op.f('fk_unit_setting_set_by_cadre_id_cadre')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_setting')),
    sa.UniqueConstraint('org_unit_id', 'key', name=op.f('uq_unit_setting_org_unit_id_key'))
    )
    op.execute("INSERT INTO role_grant (cadre_id, role, org_unit_id, granted_at) "
               "SELECT id, 'admin', org_unit_id, CURRENT_TIMESTAMP FROM cadre WHERE is_admin")
    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('is_admin')


def downgrade() -> None:
    # An admin grant on the cadre's own unit is what is_admin meant; grants elsewhere are lost.
    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.drop_column('disabled_at')
    op.execute("UPDATE cadre SET is_admin = true WHERE id IN (SELECT cadre_id FROM role_grant "
               "WHERE role = 'admin' AND role_grant.org_unit_id = cadre.org_unit_id)")
    op.drop_table('unit_setting')
    op.drop_index('ix_role_grant_role_org_unit_id', table_name='role_grant')
    op.drop_table('role_grant')
