"""The webhook inbox: each update recorded once, a chat's updates handed out one at a time in order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import make_engine
from storage.inbox import InboxStore

LEASE = timedelta(seconds=60)
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def inbox(database_url):
    engine = make_engine(database_url)
    yield InboxStore(engine)
    engine.dispose()


def record(inbox: InboxStore, chat: str, *update_ids: int, at: datetime = T0) -> None:
    for update_id in update_ids:
        inbox.record("telegram", update_id, chat, f'{{"update_id": {update_id}}}', at)


def test_a_resent_update_is_recorded_once(inbox):
    assert inbox.record("telegram", 7, "telegram:chat:1", '{"update_id": 7}', T0)
    assert not inbox.record("telegram", 7, "telegram:chat:1", '{"update_id": 7}', T0)
    assert inbox.waiting() == 1


def test_a_chats_updates_go_out_one_at_a_time_in_update_order(inbox):
    record(inbox, "telegram:chat:1", 12, 10, 11)  # arrived out of order
    first = inbox.claim("telegram:chat:1", "worker-a", T0, LEASE)
    assert first is not None and first.update_id == 10
    assert inbox.claim("telegram:chat:1", "worker-b", T0, LEASE) is None, "the chat is being handled"
    second = inbox.finish(first, "worker-a", T0, LEASE)
    assert second is not None and second.update_id == 11
    third = inbox.finish(second, "worker-a", T0, LEASE)
    assert third is not None and third.update_id == 12 and third.body == '{"update_id": 12}'
    assert inbox.finish(third, "worker-a", T0, LEASE) is None
    assert inbox.waiting() == 0


def test_other_chats_are_not_held_up(inbox):
    record(inbox, "telegram:chat:1", 1, 3)
    record(inbox, "telegram:chat:2", 2)
    assert inbox.claim("telegram:chat:1", "worker-a", T0, LEASE).update_id == 1
    assert inbox.claim("telegram:chat:2", "worker-b", T0, LEASE).update_id == 2


def test_a_dead_workers_chat_is_taken_over_once_its_lease_runs_out(inbox):
    record(inbox, "telegram:chat:1", 1, 2)
    record(inbox, "telegram:chat:2", 3, at=T0 + timedelta(seconds=30))
    inbox.claim("telegram:chat:1", "dead-worker", T0, LEASE)
    a_bit_later = T0 + timedelta(seconds=30)
    assert inbox.stranded(a_bit_later, received_before=a_bit_later) == []
    assert inbox.claim("telegram:chat:1", "worker-b", a_bit_later, LEASE) is None

    after_the_lease = T0 + LEASE + timedelta(seconds=1)
    assert sorted(inbox.stranded(after_the_lease, received_before=after_the_lease)) == [
        "telegram:chat:1", "telegram:chat:2"]
    taken = inbox.claim("telegram:chat:1", "worker-b", after_the_lease, LEASE)
    assert taken is not None and taken.update_id == 1, "the same update again: the core's dedupe drops a repeat"


def test_handled_updates_are_forgotten_after_a_while(inbox):
    record(inbox, "telegram:chat:1", 1, 2)
    inbox.finish(inbox.claim("telegram:chat:1", "w", T0, LEASE), "w", T0, LEASE)
    assert inbox.forget(T0 + timedelta(days=1)) == 1
    assert inbox.waiting() == 1


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_of_many_workers_claiming_one_chat_at_once_exactly_one_wins(inbox):
    for round_ in range(20):
        chat = f"telegram:chat:{round_}"
        record(inbox, chat, 100 + round_)
        with ThreadPoolExecutor(8) as pool:
            won = list(pool.map(lambda n: inbox.claim(chat, f"worker-{n}", T0, LEASE), range(8)))
        assert sum(claimed is not None for claimed in won) == 1
