"""PostgreSQL: a committed outbox insert wakes the dispatchers (NOTIFY lianxin_outbox), by trigger

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 19:00:00

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# A trigger rather than a NOTIFY statement from the application: no extra round trip per turn, and
# every writer (a worker's turn, a sweep, a CLI command) wakes the dispatchers alike. PostgreSQL
# delivers it at commit and folds repeats within a transaction. SQLite has no NOTIFY and needs none.


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION lianxin_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('lianxin_outbox', '');
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
               "FOR EACH STATEMENT EXECUTE FUNCTION lianxin_outbox_notify()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER outbox_notify ON outbox")
    op.execute("DROP FUNCTION lianxin_outbox_notify()")
