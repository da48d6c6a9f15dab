"""cadre.staff_key: the key a spreadsheet import finds a cadre by again (staff number, else phone)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 20:45:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_cadre_staff_key', ['staff_key'])


def downgrade() -> None:
    with op.batch_alter_table('cadre', schema=None) as batch_op:
        batch_op.drop_constraint('uq_cadre_staff_key', type_='unique')
        batch_op.drop_column('staff_key')
