"""The outbox in the database: what a turn owes is stored with it, claimed in order, per chat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from handlers.app import Lianxin
from handlers.messages import Msg, plain, t
from handlers.ports import Lane
from handlers.seam import CHART, FRESH, Attachment, Address, Button, Card, Incoming, Reply
from storage.outbox import FAILED, PENDING, SENDING, SENT, OutboxStore, reply_from_json, reply_to_json
from storage.tables import OutboxRow
from tests.integration.test_tickets import new_ticket
from tests.support.outbox import reminder

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SERVED = ("telegram",)  # the platforms the claiming process sends to


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
def store(uow_factory) -> OutboxStore:
    return OutboxStore(uow_factory.engine)


def put(uow_factory, *replies: Reply, lane: Lane = Lane.BULK) -> None:
    with uow_factory() as uow:
        uow.outbox.put(replies, lane)
        uow.commit()


def texts(claimed) -> list[str]:
    return [row.reply.text.params["text"] for row in claimed]


def test_a_reply_survives_the_round_trip_with_nested_messages_buttons_and_all():
    reply = Reply(Address("telegram", "-100123"), "en",
                  t("Ticket {number}: {status} since {day}", number="LX-2026-000001", status=t("accepted (接单)"),
                    day=date(2026, 10, 8), nested=t("{a}", a=plain("x")), count=3, share=0.5, flags=(1, "a"),
                    extra={"k": [1, None]}),
                  buttons=((Button(t("Accept"), "t:accept:1"), Button(plain("详情"), "t:view:1")),),
                  ask_contact=t("Share my phone"), remove_keyboard=True, photo_file_ids=("p1", "p2"),
                  location=(34.75, 113.62), edit_message_id="77", as_alert=False,
                  not_before=datetime(2026, 11, 24, 0, 30, tzinfo=UTC), ticket_id=5,
                  attachment=Attachment(CHART, {"units": ["城关", "新村"], "red": [1, 0], "title": t("Flags")}),
                  card=Card(5, t("Ticket {number} ({title}): this card is out of date; use the newest one.",
                                 number="LX-2026-000001", title="停电"), FRESH))
    back = reply_from_json(reply_to_json(reply))
    assert back == reply
    assert back.attachment is not None and back.attachment.data["title"] == t("Flags")
    assert back.text.params == reply.text.params and back.buttons[0][0].label.params == {}
    assert isinstance(back.text.params["status"], Msg) and back.text.params["flags"] == (1, "a")


def test_what_cannot_be_stored_fails_the_turn_loudly():
    with pytest.raises(TypeError):
        reply_to_json(Reply(Address("telegram", "1"), "en", t("{x}", x=object())))


def test_a_row_written_before_ids_were_strings_reads_with_string_ids() -> None:
    """Rows owed before migration 0008 hold Telegram's integers in their JSON."""
    written = reply_to_json(Reply(Address("telegram", "-100123"), "en", plain("旧"), edit_message_id="77"))
    written |= {"to": ["telegram", -100123], "edit_message_id": 77}
    reply = reply_from_json(written)
    assert (reply.to.chat_id, reply.edit_message_id) == ("-100123", "77")


def test_a_turns_replies_are_committed_with_it(uow_factory, demo):
    core = Lianxin(uow_factory, FixedClock())
    alerts = core.handle(Incoming("telegram", "1001", "1001", "1", language_code="zh-hans", text="/start",
                                  command="start"))
    assert alerts == []
    with uow_factory() as uow:
        rows = [(r.chat_id, r.status, reply_from_json(r.payload)) for r in uow.session.scalars(sa.select(OutboxRow))]
        state = uow.conversations.load("telegram", 1001)
    assert rows and {(chat_id, status) for chat_id, status, _ in rows} == {("1001", PENDING)}
    assert state.dialog == "report" and rows[-1][2].buttons, "the welcome with its two choices"


def test_a_press_pop_up_is_answered_at_once_not_queued(uow_factory, demo):
    core = Lianxin(uow_factory, FixedClock())
    alerts = core.handle(Incoming("telegram", "1001", "1001", "2", payload="nonsense"))
    assert [a.as_alert for a in alerts] == [True]
    with uow_factory() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) == 0


def test_a_rolled_back_turn_leaves_no_message(uow_factory):
    with pytest.raises(RuntimeError), uow_factory() as uow:
        uow.outbox.put([reminder(1001, 1)], Lane.BULK)
        raise RuntimeError("the turn failed half-way")
    with uow_factory() as uow:
        uow.outbox.put([reminder(1001, 2)], Lane.BULK)  # and one never committed
    with uow_factory() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(OutboxRow)) == 0


def test_claims_come_in_id_order_and_each_chat_waits_for_its_earlier_message(uow_factory, store):
    put(uow_factory, reminder(1, 1), reminder(2, 1), reminder(1, 2), reminder(3, 1))
    first = store.claim(NOW, limit=2, platforms=SERVED)
    assert texts(first) == ["提醒 1-1", "提醒 2-1"]
    assert texts(store.claim(NOW, limit=10, platforms=SERVED)) == ["提醒 3-1"], "1-2 waits while 1-1 is being sent"
    store.mark_sent([first[0].id], NOW)
    assert texts(store.claim(NOW, limit=10, platforms=SERVED)) == ["提醒 1-2"]
    assert store.counts() == {SENT: 1, SENDING: 3}


def test_one_claim_takes_a_chats_consecutive_messages_in_order(uow_factory, store):
    put(uow_factory, reminder(1, 1), reminder(2, 1), reminder(1, 2))
    assert texts(store.claim(NOW, limit=10, platforms=SERVED)) == ["提醒 1-1", "提醒 2-1", "提醒 1-2"]


def test_a_message_waiting_for_a_retry_holds_back_its_chat_only(uow_factory, store):
    put(uow_factory, reminder(1, 1), reminder(1, 2), reminder(2, 1))
    first = store.claim(NOW, limit=1, platforms=SERVED)[0]
    store.retry(first.id, NOW + timedelta(seconds=30), "429", attempts=0, parts_sent=0)
    assert texts(store.claim(NOW, limit=10, platforms=SERVED)) == ["提醒 2-1"]
    assert texts(store.claim(NOW + timedelta(seconds=31), limit=10, platforms=SERVED)) == ["提醒 1-1", "提醒 1-2"]


def test_a_message_held_for_quiet_hours_does_not_hold_back_what_follows(uow_factory, store):
    morning = NOW + timedelta(hours=6)
    put(uow_factory, Reply(Address("telegram", "1"), "zh_CN", plain("早上发"), not_before=morning), reminder(1, 2))
    assert texts(store.claim(NOW, limit=10, platforms=SERVED)) == ["提醒 1-2"]
    assert texts(store.claim(morning, limit=10, platforms=SERVED)) == ["早上发"]


def test_rows_left_sending_by_a_dead_dispatcher_come_back_flagged_after_the_lease(uow_factory, store):
    put(uow_factory, reminder(1, 1), reminder(2, 1))
    mine, theirs = store.claim(NOW, limit=2, platforms=SERVED)
    lease = timedelta(seconds=60)
    assert store.recover(NOW + timedelta(seconds=59), lease) == 0
    assert store.recover(NOW + timedelta(seconds=61), lease, keep=[mine.id]) == 1
    (again,) = store.claim(NOW + timedelta(seconds=61), limit=10, platforms=SERVED)
    assert again.id == theirs.id and again.maybe_duplicate


def test_giving_up_on_an_unreachable_reporter_is_recorded_on_the_ticket(uow_factory, demo, store):
    with uow_factory() as uow:
        reporter = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "企业主")
        ticket_id = uow.tickets.add(new_ticket(uow, demo, reporter.id)).id
        uow.commit()
    put(uow_factory, reminder(1001, 1, ticket_id=ticket_id))
    (row,) = store.claim(NOW, limit=10, platforms=SERVED)
    store.fail(row, "Forbidden: bot was blocked by the user", NOW, undeliverable=True)
    assert store.counts() == {FAILED: 1}
    with uow_factory() as uow:
        event = uow.tickets.get(ticket_id).events[-1]
    assert event.kind == "delivery_failed" and event.data["chat_id"] == "1001"


def test_an_answer_to_the_person_at_the_keyboard_is_claimed_before_a_mornings_reminders(uow_factory, store):
    put(uow_factory, *(reminder(chat, 1) for chat in range(1, 51)))
    put(uow_factory, reminder(99, 1), lane=Lane.NOTICE)
    put(uow_factory, reminder(1001, 1), lane=Lane.ANSWER)
    assert set(texts(store.claim(NOW, limit=3, platforms=SERVED))) == {"提醒 1001-1", "提醒 99-1", "提醒 1-1"}


def test_a_row_for_a_platform_this_process_does_not_serve_waits_for_one_that_does(uow_factory, store):
    put(uow_factory, Reply(Address("wecom", "ZhangSan"), "zh_CN", plain("企业微信")), reminder(1, 1))
    assert texts(store.claim(NOW, limit=10, platforms=SERVED)) == ["提醒 1-1"]
    assert store.counts() == {SENDING: 1, PENDING: 1}, "not lost, not taken: pending"
    assert texts(store.claim(NOW, limit=10, platforms=("wecom",))) == ["企业微信"]


def test_a_tickets_live_card_is_remembered_per_chat_and_replaced_by_the_next(uow_factory, demo, store):
    with uow_factory() as uow:
        reporter = uow.accounts.get_or_create("telegram", "1001", "1001", "zh_CN", "企业主")
        ticket_id = uow.tickets.add(new_ticket(uow, demo, reporter.id)).id
        uow.commit()
    assert store.live_card(ticket_id, "telegram", "2001") is None
    store.remember_card(ticket_id, "telegram", "2001", "17", NOW)
    store.remember_card(ticket_id, "telegram", "2002", "5", NOW)
    store.remember_card(ticket_id, "telegram", "2001", "23", NOW)
    assert store.live_card(ticket_id, "telegram", "2001") == "23", "one live card per ticket and chat"
    assert store.live_card(ticket_id, "telegram", "2002") == "5"
    assert store.live_card(ticket_id, "wecom", "2001") is None


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_committed_outbox_rows_wake_every_listening_dispatcher(database_url, uow_factory):
    import psycopg

    from storage.notify import OUTBOX_CHANNEL

    conninfo = sa.make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as listener:
        listener.execute(f"LISTEN {OUTBOX_CHANNEL}")
        with uow_factory() as uow:
            uow.outbox.put([Reply(Address("telegram", "1001"), "zh_CN", plain("提醒"))], Lane.NOTICE)
            uow.commit()
        woken = list(listener.notifies(timeout=30, stop_after=1))
    assert [note.channel for note in woken] == [OUTBOX_CHANNEL]
