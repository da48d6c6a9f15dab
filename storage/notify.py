"""Cross-process wake-ups on PostgreSQL: "the outbox has new rows", from whichever process wrote them.

Several worker processes write to one outbox, and one of them (the leader) sends it. A
trigger on the outbox (migration 0012) NOTIFYs in the transaction that adds rows; the
notification reaches every listener when that transaction commits, never before, so the
leader looks at once instead of at its next poll. SQLite has no such thing and needs none:
one bot process per SQLite database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import sqlalchemy as sa

log = logging.getLogger(__name__)

OUTBOX_CHANNEL = "lianxin_outbox"
RECONNECT_AFTER_S = 2.0


def can_listen(url: str) -> bool:
    return sa.make_url(url).get_backend_name() == "postgresql"


async def listen_for_outbox(url: str, woken: Callable[[], None]) -> None:
    """Call `woken` for every committed announcement, until cancelled; reconnects after a failure."""
    import psycopg

    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as connection:
                await connection.execute(f"LISTEN {OUTBOX_CHANNEL}")
                woken()  # rows committed while nobody listened
                async for _ in connection.notifies():
                    woken()
        except asyncio.CancelledError:
            raise
        except Exception:  # the server restarted, say: the dispatcher still polls meanwhile
            log.warning("outbox wake-ups: listening failed; trying again in %.0fs", RECONNECT_AFTER_S, exc_info=True)
            await asyncio.sleep(RECONNECT_AFTER_S)
