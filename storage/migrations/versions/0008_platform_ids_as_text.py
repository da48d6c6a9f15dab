"""Platform ids (chats, users, updates) as text: WeCom, DingTalk, Feishu and a web chat spell
theirs as strings; Telegram's integers are kept as their decimal strings (-100123 -> '-100123')

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 12:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Every column holding a platform's id, by table. Their unique constraints and indexes stay:
# PostgreSQL rebuilds them with the column, SQLite's batch copy re-creates them.
PLATFORM_ID_COLUMNS = {
    'account': ('user_id', 'chat_id'),
    'conversation': ('chat_id',),
    'group_binding': ('chat_id',),
    'seen_update': ('update_id',),
    'outbox': ('chat_id',),
}
TEXT, INTEGER = sa.String(64), sa.BigInteger()


def upgrade() -> None:
    _retype(TEXT, INTEGER, 'text')


def downgrade() -> None:
    """Back to integers: works while every id is a Telegram one (a string id fails the cast)."""
    _retype(INTEGER, TEXT, 'bigint')


def _retype(new: sa.types.TypeEngine, old: sa.types.TypeEngine, pg_cast: str) -> None:
    # On SQLite the batch copies each table, CAST(column AS new type) (alembic's
    # cast_for_batch_migrate); on PostgreSQL it is ALTER COLUMN … TYPE … USING the cast.
    for table, columns in PLATFORM_ID_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, type_=new, existing_type=old, existing_nullable=False,
                                      postgresql_using=f'{column}::{pg_cast}')
