"""The one outbox dispatcher: sends what the core wrote to the outbox, for all processes.

The guarantee, as implemented (also in docs/outbox.md):

    Nothing is lost: a message exists once the change that caused it is committed
    (the same transaction) and stays in the outbox until it is marked sent, or
    marked failed with the reason (403 — also recorded on its ticket as
    `delivery_failed` —, 400, or a second read timeout). A duplicate is possible only
    for a message in flight at a crash or a read timeout, and any message is sent
    at most once more without a confirmation: a row that may already have been
    delivered is flagged `maybe_duplicate`, resent once, and failed ("delivery
    unknown") rather than resent again if that resend times out too.

How:
- Leadership: on PostgreSQL the dispatcher holding `pg_try_advisory_lock` on its own
  connection sends; the others idle and try again every few seconds. On SQLite one
  bot process per database is assumed (there is no lock to take).
- A claim marks due rows `sending` (FOR UPDATE SKIP LOCKED on PostgreSQL), in id order;
  each chat's rows are sent one after another, and a chat's later rows are not
  claimed while an earlier one is being sent or waits for a retry (storage/outbox.py).
  A row is marked `sent` once its Bot API call succeeded: the rows confirmed since the
  loop's last look together, in its next claim's transaction (one commit for many); a
  chat's next row waits for its mark, so a chat has at most one row sent and unmarked.
- Per platform: each outbox row goes out through its own platform's sender (`Platform`,
  bot/delivery.py), and the claim takes only rows of the platforms this process serves;
  a row for a platform nobody serves waits.
- Limits for all processes together (there is one leader), each platform's own
  (bot/pacing.py, bot/telegram_out.py): for Telegram ~30 messages/s overall, 1/s per
  private chat with Telegram's burst of 3, 20/min per group; a chat's message counts
  when its call came back. The person acting comes first: answers take the burst that
  notices and bulk leave them, and are served first. Every Bot API call counts.
- 429: the row waits `retry_after` (not counted as an attempt) and the chat with it;
  429s from several chats at once pause everything. 5xx and connection errors: retried
  with exponential backoff, for as long as it takes. Read timeout: see the guarantee.
- A row left `sending` longer than the lease by a dead dispatcher goes back to pending,
  flagged `maybe_duplicate`: the one possible duplicate.

Fault injection for the kill tests: LIANXIN_OUTBOX_FAULT=after_claim|after_send|before_mark
makes the process SIGKILL itself right after a claim is committed / after the first message
went out and before it is marked sent / as sent messages' marks are about to be written while
every chat being sent waits for its mark (the most sent and unmarked there can be).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.delivery import DeliveryFailed, Failure, Pace, Platform, Sender, by_name
from bot.pacing import Chat, Limiters
from handlers.ports import Lane
from handlers.seam import REFRESH, Reply
from storage.outbox import Claimed, Leadership, OutboxStore

log = logging.getLogger(__name__)

FAULT_ENV = "LIANXIN_OUTBOX_FAULT"


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Policy:
    # False: not paced by the platforms' limits (a sandbox whose limits are off); 429s are still obeyed
    paced: bool = True
    batch: int = 100  # rows claimed at most at once (in flight)
    answers_beyond_batch: int = 20  # answers claimed after a commit even when a batch is in flight
    poll_every: float = 1.0  # seconds between looks at the outbox when nobody pokes
    leader_check_every: float = 5.0  # seconds between leadership checks / attempts
    lease: timedelta = timedelta(seconds=60)  # `sending` longer than this: its dispatcher died
    backoff_base: float = 1.0  # first retry after a 5xx / connection error, doubling
    backoff_cap: float = 300.0
    timeout_pause: float = 30.0  # wait after a read timeout before the one resend
    global_429_chats: int = 3  # 429s from this many chats within a second pause everything
    stop_grace: float = 5.0  # seconds a stop lets sends under way finish


@dataclass
class Stats:
    sent: int = 0
    rate_limited: int = 0  # 429s received
    retried: int = 0  # 5xx / connection errors
    timed_out: int = 0  # read timeouts (maybe delivered)
    failed: int = 0
    answers_held_back: int = 0  # calls of answers to the person acting that the pacing made wait


class Dispatcher:
    """Sends the outbox while this process leads; `poke()` after a commit, `drain()` in tests."""

    def __init__(self, store: OutboxStore, leadership: Leadership, platforms: Mapping[str, Platform], *,
                 policy: Policy | None = None, clock: Clock | None = None) -> None:
        self.store = store
        self.leadership = leadership
        self.platforms = dict(platforms)  # the platforms this process sends to, by name
        self.policy = policy or Policy()
        self.clock = clock or Clock()
        self.limiters = Limiters(self.platforms, paced=self.policy.paced)
        self.stats = Stats()
        self._fault = os.environ.get(FAULT_ENV, "")
        self._wake = asyncio.Event()
        self._poked = False  # something was committed since the last claim (answers, maybe)
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._sending: dict[asyncio.Task[None], list[Claimed]] = {}
        self._unmarked: dict[int, asyncio.Future[None]] = {}  # sent, to be marked by the next cycle
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._lookers: list[asyncio.Future[None]] = []
        self._recent_429: deque[tuple[float, Chat]] = deque(maxlen=50)
        self._leader_checked = float("-inf")

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        """Stop claiming; let sends under way finish for a moment; give back the rest."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._finish_sending()
        await asyncio.to_thread(self.leadership.release)
        _resolve(self._lookers)
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_exception(RuntimeError("the outbox dispatcher stopped"))

    def poke(self) -> None:
        """Something was committed to the outbox: look now rather than at the next poll."""
        self._poked = True
        self._wake.set()

    async def look(self, timeout: float = 5.0) -> None:
        """Poke, and return once the dispatcher has looked: what was committed before is
        claimed and its sending begun (if this process leads). The adapter answers a press
        after this, so that the press's messages follow its answer without a pause."""
        waiter = asyncio.get_running_loop().create_future()
        self._lookers.append(waiter)
        self.poke()
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        except TimeoutError:
            pass

    async def drain(self, timeout: float = 30.0) -> None:
        """Return once everything due now has been sent (or given up on)."""
        waiter = asyncio.get_running_loop().create_future()
        self._drain_waiters.append(waiter)
        self.poke()
        await asyncio.wait_for(waiter, timeout)

    # -- the loop -----------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            looking, self._lookers = self._lookers, []
            try:
                pause = await self._cycle()
            except Exception:  # the database went away, say: log, wait, go on
                log.exception("outbox dispatch cycle failed; trying again")
                pause = self.policy.poll_every
            finally:
                _resolve(looking)
            await self._sleep(pause)  # a poke or a finished send wakes it sooner

    async def _cycle(self) -> float:
        """Mark what went out since the last cycle, claim what is due (one transaction for both)
        and start sending it; returns how long to wait for a poke."""
        marks, self._unmarked = self._unmarked, {}
        # the kill test's worst moment: every chat being sent waits for its mark
        self._inject("before_mark", list(marks) if len(marks) >= len(self._sending) else [])
        try:
            pause = await self._claim_and_send(list(marks))
        except BaseException:
            self._unmarked = {**marks, **self._unmarked}  # not written: the next cycle tries again
            raise
        _resolve(list(marks.values()))
        return pause

    async def _claim_and_send(self, sent: list[int]) -> float:
        if not await self._lead():
            await self._mark_sent(sent)  # went out while this process led
            return self.policy.leader_check_every
        waiting = list(self._drain_waiters)
        poked, self._poked = self._poked, False
        room = self.policy.batch - sum(len(rows) for rows in self._sending.values())
        # Claim when there is room for a good share of a batch: fewer, larger claims.
        worth_it = room >= max(1, self.policy.batch // 4) or not self._sending
        served = tuple(self.platforms)  # rows to other platforms wait for a process that serves them
        if worth_it:
            claimed = await asyncio.to_thread(self.store.claim, self.clock.now(), room, served, sent=sent)
        elif poked:  # someone may be waiting for an answer: not behind a batch of bulk in flight
            claimed = await asyncio.to_thread(self.store.claim, self.clock.now(), self.policy.answers_beyond_batch,
                                              served, up_to_lane=Lane.ANSWER, sent=sent)
        else:
            claimed = []
            await self._mark_sent(sent)
        self._inject("after_claim", claimed)
        for rows in _by_chat(claimed):
            self._send_in_background(rows)
        if not claimed and not self._sending:
            self._settle(waiting)
        return self.policy.poll_every

    async def _lead(self) -> bool:
        """Are we the leader? Checked every few seconds; a new leader recovers stale rows."""
        if time.monotonic() - self._leader_checked < self.policy.leader_check_every:
            return self.leadership.held
        self._leader_checked = time.monotonic()
        was = self.leadership.held
        if was and await asyncio.to_thread(self.leadership.confirm):
            await self._recover()
            return True
        if was:
            log.warning("outbox: lost the leader lock; another process will send")
        if not await asyncio.to_thread(self.leadership.try_acquire):
            return False
        log.info("outbox: this process now sends the outbox")
        await self._recover()
        self.limiters.evict_idle()
        return True

    async def _recover(self) -> None:
        keep = [row.id for rows in self._sending.values() for row in rows]
        recovered = await asyncio.to_thread(self.store.recover, self.clock.now(), self.policy.lease, keep)
        if recovered:
            log.warning("outbox: %d message(s) left sending by a stopped dispatcher will be sent again", recovered)
        self.limiters.evict_idle()

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    def _settle(self, waiting: list[asyncio.Future[None]]) -> None:
        for waiter in waiting:
            if not waiter.done():
                waiter.set_result(None)
            self._drain_waiters.remove(waiter)

    # -- sending one chat's rows ----------------------------------------------------

    def _send_in_background(self, rows: list[Claimed]) -> None:
        task = asyncio.create_task(self._send_chat(rows))
        self._sending[task] = rows
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._sending.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox: sending failed unexpectedly", exc_info=task.exception())
        self._wake.set()

    async def _send_chat(self, rows: list[Claimed]) -> None:
        """In order; once one must wait for a retry, the rest wait behind it (given back)."""
        for index, row in enumerate(rows):
            if not await self._send_row(row):
                await asyncio.to_thread(self.store.release, [r.id for r in rows[index + 1:]])
                return

    async def _send_row(self, row: Claimed) -> bool:
        """Send one row; False when the chat must wait (a retry is scheduled)."""
        try:
            sender = self.platforms[row.reply.to.platform].sender  # claimed: a platform this process serves
            if row.reply.card is None:
                await sender.send(row.reply, skip=row.parts_sent, pace=self._pace(row))
            else:
                await self._send_card(sender, row)
        except DeliveryFailed as failed:
            return await self._after_failure(row, failed)
        finally:
            self.limiters.landed(row.chat)
        self._inject("after_send", [row])
        await self._marked(row.id)
        self.stats.sent += 1
        return True

    async def _marked(self, row_id: int) -> None:
        """Have the row marked sent by the loop's next transaction, along with the claim and the
        other chats' marks, and wait for it: a chat's next message goes out only once this one is
        marked, so a crash can still repeat only the one message per chat that was in flight."""
        marked = asyncio.get_running_loop().create_future()
        self._unmarked[row_id] = marked
        self._wake.set()
        await asyncio.shield(marked)  # a cancelled send's mark is still written (stop flushes it)

    async def _mark_sent(self, row_ids: list[int]) -> None:
        if row_ids:
            await asyncio.to_thread(self.store.mark_sent, row_ids, self.clock.now())

    async def _flush_marks(self) -> None:
        """Marks waiting when there is no cycle to carry them (a stop); a failure leaves the rows
        `sending`, and after the lease they come back flagged maybe_duplicate, as after a crash."""
        marks, self._unmarked = self._unmarked, {}
        try:
            await self._mark_sent(list(marks))
        except Exception:
            log.exception("outbox: %d sent message(s) could not be marked sent", len(marks))
        _resolve(list(marks.values()))

    async def _send_card(self, sender: Sender, row: Claimed) -> None:
        """A ticket's card (handlers.seam.Card): placed where the live card is, or where the
        press was, or anew; the message it lands in becomes the live card, and the one that
        was live before loses its buttons."""
        reply, card = row.reply, row.reply.card
        assert card is not None
        platform, chat_id = row.chat
        live = await asyncio.to_thread(self.store.live_card, card.ticket_id, platform, chat_id)
        target = reply.edit_message_id or (live if card.mode == REFRESH else None)
        if target is None and card.mode == REFRESH:
            return  # no live card to bring up to date: the notice with it opens one
        sent = await sender.send(replace(reply, edit_message_id=target), skip=row.parts_sent, pace=self._pace(row))
        if sent.message_id is None:
            return  # resumed past its text (a retry): the live card was noted when it was made
        if live is not None and live != sent.message_id:
            await self._retire_card(sender, row, live)
        await asyncio.to_thread(self.store.remember_card, card.ticket_id, platform, chat_id, sent.message_id,
                                self.clock.now())

    async def _retire_card(self, sender: Sender, row: Claimed, message_id: str) -> None:
        """The card that was live keeps a short line and no buttons. Best effort: a button
        left on it is still checked against the database when pressed."""
        card = row.reply.card
        assert card is not None
        retired = Reply(row.reply.to, row.reply.locale, card.retired, edit_message_id=message_id)
        try:
            await sender.send(retired, pace=self._pace(row))
        except DeliveryFailed as failed:  # a stop, a 429, the message gone: the card itself went out
            log.info("outbox: old card %s in chat %s kept its buttons: %s", message_id, row.chat[1], failed.detail)

    def _pace(self, row: Claimed) -> Pace:
        async def pace() -> None:
            if not self._stopping and await self.limiters.acquire(row.chat, row.lane) and row.lane == Lane.ANSWER:
                self.stats.answers_held_back += 1
            if self._stopping:  # not begun: give it back rather than send during a stop
                raise DeliveryFailed(Failure.STOPPED, "the dispatcher is stopping", calls_made=0)
        return pace

    async def _after_failure(self, row: Claimed, failed: DeliveryFailed) -> bool:
        handle = {Failure.STOPPED: self._stopped, Failure.RATE_LIMITED: self._rate_limited, Failure.TRANSIENT: self._transient,
                  Failure.MAYBE_DELIVERED: self._maybe_delivered, Failure.UNREACHABLE: self._unreachable,
                  Failure.REJECTED: self._rejected}[failed.failure]
        return await handle(row, failed)

    async def _stopped(self, row: Claimed, failed: DeliveryFailed) -> bool:
        await self._retry(row, failed, 0, attempts=row.attempts)
        return False

    async def _rate_limited(self, row: Claimed, failed: DeliveryFailed) -> bool:
        self.stats.rate_limited += 1
        wait = max(failed.retry_after or 1.0, 0.1)
        self.limiters.pause(row.chat, wait)
        if self._looks_global(row.chat):
            log.warning("outbox: 429s from several chats: pausing all sends for %.0fs", wait)
            self.limiters.pause(None, wait)
        await self._retry(row, failed, wait, attempts=row.attempts)  # a 429 is not the message's fault
        return False

    def _looks_global(self, chat: Chat) -> bool:
        now = time.monotonic()
        self._recent_429.append((now, chat))
        chats = {c for at, c in self._recent_429 if now - at <= 1.0}
        return len(chats) >= self.policy.global_429_chats

    async def _transient(self, row: Claimed, failed: DeliveryFailed) -> bool:
        self.stats.retried += 1
        wait = min(self.policy.backoff_base * 2 ** row.attempts, self.policy.backoff_cap)
        log.info("outbox: row %d to chat %s not sent (%s); again in %.1fs", row.id, row.chat[1], failed.detail, wait)
        await self._retry(row, failed, wait, attempts=row.attempts + 1)
        return False

    async def _maybe_delivered(self, row: Claimed, failed: DeliveryFailed) -> bool:
        """Telegram may have sent it: resend once after a pause, never a second time."""
        self.stats.timed_out += 1
        if row.maybe_duplicate:
            log.error("outbox: row %d to chat %s: delivery unknown after a second uncertain send (%s); "
                      "not sent again", row.id, row.chat[1], failed.detail)
            await self._fail(row, f"delivery unknown: {failed.detail}", undeliverable=False)
            return True
        log.warning("outbox: row %d to chat %s timed out (%s); resending once in %.0fs, maybe a duplicate",
                    row.id, row.chat[1], failed.detail, self.policy.timeout_pause)
        await self._retry(row, failed, self.policy.timeout_pause, attempts=row.attempts + 1, maybe_duplicate=True)
        return False

    async def _unreachable(self, row: Claimed, failed: DeliveryFailed) -> bool:
        log.warning("outbox: row %d: chat %s cannot be reached (%s); recorded on ticket %s",
                    row.id, row.chat[1], failed.detail, row.ticket_id)
        await self._fail(row, failed.detail, undeliverable=True)
        return True

    async def _rejected(self, row: Claimed, failed: DeliveryFailed) -> bool:
        log.error("outbox: row %d (%r) to chat %s rejected: %s", row.id, row.reply.text.key, row.chat[1],
                  failed.detail)
        await self._fail(row, failed.detail, undeliverable=False)
        return True

    async def _retry(self, row: Claimed, failed: DeliveryFailed, seconds: float, *, attempts: int,
                     maybe_duplicate: bool = False) -> None:
        at = self.clock.now() + timedelta(seconds=seconds)
        await asyncio.to_thread(self.store.retry, row.id, at, str(failed), attempts=attempts,
                                parts_sent=failed.calls_made, maybe_duplicate=maybe_duplicate)

    async def _fail(self, row: Claimed, error: str, *, undeliverable: bool) -> None:
        self.stats.failed += 1
        await asyncio.to_thread(self.store.fail, row, error, self.clock.now(), undeliverable=undeliverable)

    async def _finish_sending(self) -> None:
        """Let sends under way finish (rows not begun are given back), marking them as they go
        out; cancel what is still slow."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.policy.stop_grace
        while self._sending and (left := deadline - loop.time()) > 0:
            await self._sleep(left)  # a send that went out, or a chat that finished, wakes it
            await self._flush_marks()
        slow = list(self._sending)
        for task in slow:
            task.cancel()
        await asyncio.gather(*slow, return_exceptions=True)
        await self._flush_marks()  # sends confirmed just before the cancel
        # A cancelled send may have reached Telegram: its row stays `sending` until the lease ends.

    def _inject(self, point: str, rows: Sequence[object]) -> None:
        if rows and self._fault == point:
            log.warning("outbox: fault injected at %s: killing this process", point)
            os.kill(os.getpid(), signal.SIGKILL)


def _resolve(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)


def _by_chat(claimed: list[Claimed]) -> list[list[Claimed]]:
    """The claimed rows per chat, each chat's in id order."""
    chats: dict[Chat, list[Claimed]] = {}
    for row in claimed:
        chats.setdefault(row.chat, []).append(row)
    return list(chats.values())


def make_dispatcher(database_url: str, platforms: Iterable[Platform], *, policy: Policy | None = None,
                    clock: Clock | None = None) -> Dispatcher:
    """A dispatcher for `platforms` on its own engine (the leader lock needs a connection of its own)."""
    from storage.db import make_engine

    engine = make_engine(database_url)
    return Dispatcher(OutboxStore(engine), Leadership(engine), by_name(platforms), policy=policy, clock=clock)


async def close(dispatcher: Dispatcher) -> None:
    """Stop the dispatcher and close its engine."""
    await dispatcher.stop()
    dispatcher.store.engine.dispose()


__all__ = ["Clock", "Dispatcher", "Limiters", "Policy", "Stats", "close", "make_dispatcher"]
