"""The payload codec: the wire format of buttons already in people's chats decodes to typed
payloads and packs back the same; anything else is refused before a handler sees it."""

from __future__ import annotations

import pytest

from handlers import payloads
from handlers.payloads import MAX_ID, Choice, Finding, Page, PayloadError, Pick, Rating, TicketPress, as_id, decode


@pytest.mark.parametrize(("wire", "typed"), [
    ("t:accept:42", TicketPress("accept", 42)),
    ("t:ext_ok:7", TicketPress("ext_ok", 7)),
    ("c:kind:enterprise", Choice("kind", "enterprise")),
    ("c:lang:zh_CN", Choice("lang", "zh_CN")),
    ("c:enterprise:12", Choice("enterprise", "12")),
    ("r:5:42", Rating(5, 42)),
    ("h:7:42", Pick(7, 42)),
    ("h:7:0", Pick(7, None)),  # a 举报's pick names no ticket
    ("k:upheld:3", Finding("upheld", 3)),
    ("p:my:0", Page("my", 0)),
    ("p:mine:2", Page("mine", 2)),
    (f"t:view:{MAX_ID}", TicketPress("view", MAX_ID)),
])
def test_the_wire_format_decodes_to_a_typed_payload_and_packs_back(wire, typed):
    assert decode(wire) == typed
    assert typed.pack() == wire


def test_the_builders_keep_the_old_strings():
    assert payloads.ticket_action("accept", 42) == "t:accept:42"
    assert payloads.choice("area", 3) == "c:area:3"
    assert payloads.rating(5, 42) == "r:5:42"
    assert payloads.pick(7) == "h:7:0" and payloads.pick(7, 42) == "h:7:42"
    assert payloads.finding("not_upheld", 3) == "k:not_upheld:3"
    assert payloads.page("my", 1) == "p:my:1"


@pytest.mark.parametrize("text", ["²", "١", "１", "-1", "0", "007", "+5", " 5", "5 ", "1.0", "1e3", "", "abc",
                                  str(MAX_ID + 1), str(2**63), "9" * 40])
def test_an_id_is_ascii_digits_from_1_to_the_largest_the_tables_hold(text):
    with pytest.raises(PayloadError):
        as_id(text)


def test_pack_refuses_what_would_not_fit_or_not_decode():
    with pytest.raises(PayloadError):
        Choice("enterprise", "x" * 60).pack()  # over 64 bytes
    with pytest.raises(PayloadError):
        TicketPress("view", 0).pack()  # an id is positive
    with pytest.raises(PayloadError):
        Choice("step", "a:b").pack()  # would not come back as itself
    with pytest.raises(PayloadError):
        Page("my", -1).pack()


def test_every_registered_button_has_a_name_the_codec_accepts():
    from handlers.app import ROUTER

    for kind, route in ROUTER.presses:
        if route:
            assert decode(f"{kind.value}:{route}:1").KIND is kind
