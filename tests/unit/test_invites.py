"""Binding cadres: an admin's /invite and /unbound for their own part of the tree, and invite links
that say why they do not bind (expired, used, someone else's chat, cut off)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.domain.model import Cadre, CadreRole, OrgLevel, OrgUnit, Role
from handlers.seam import QR, START_LINK
from tests.unit.chat import Chat, Core, FixedClock, demo_store, keys

ADMIN_CHAT, OTHER_ADMIN_CHAT, CADRE_CHAT, NEWCOMER_CHAT = "700", "701", "702", "703"
INVITES = ("Invite links for the {count} cadres of {unit} who have not bound yet, valid for {days} days, each "
           "usable once. Forward each to its cadre: opening the link or scanning the code binds their chat.")
CAPTION = "{name} ({role}, {unit})\n{link}\nValid until {until}."
NOT_THERE = "No unit named “{name}” in {home} or below. Check the name and send /{command} again."
ADMINS_ONLY = "/{command} is for admins; your account is not one."


@pytest.fixture
def core() -> Core:
    """新村镇 (赵主任 its admin) and, beside it, 城关街道 with its own admin; 王网格 and a new grid
    worker in 新村镇 have not bound yet."""
    s = demo_store()
    s.units[4] = OrgUnit(4, "城关街道", OrgLevel.TOWNSHIP, None)
    s.cadres[4] = Cadre(4, "钱主任", CadreRole.TOWNSHIP_LEADER, 4, "13800000004")
    s.grant(3, Role.ADMIN)
    s.grant(4, Role.ADMIN)
    s.cadres[5] = Cadre(5, "孙网格", CadreRole.GRID_WORKER, 3, "13800000005")
    s.invites |= {"invite-qian": 4}
    core = Core(s)
    for chat, token in ((ADMIN_CHAT, "invite-zhao"), (OTHER_ADMIN_CHAT, "invite-qian"), (CADRE_CHAT, "invite-li")):
        Chat(core, chat).says(f"/start {token}")
    return core


def test_an_admin_gets_a_fresh_link_and_qr_code_for_each_unbound_cadre_of_their_unit(core: Core) -> None:
    sent = Chat(core, ADMIN_CHAT).says("/invite 裴李岗村")
    assert keys(sent) == [INVITES, CAPTION, CAPTION]
    captions = sent[1:]
    assert [c.text.params["name"] for c in captions] == ["孙网格", "王网格"]
    for caption in captions:
        link = caption.text.params["link"]
        assert link.key == START_LINK and caption.attachment.kind == QR
        assert caption.attachment.data["start"] == link.params["start"]  # the QR encodes the same link
        assert caption.text.params["until"] == "2026-11-30 10:00"
    newcomer = Chat(core, NEWCOMER_CHAT).says(f"/start {captions[0].text.params['link'].params['start']}")
    assert keys(newcomer) == ["Welcome, {name} ({role}, {unit}). Tickets assigned to you will arrive here."]
    assert keys(Chat(core, ADMIN_CHAT).says("/invite 裴李岗村")) == [INVITES, CAPTION]  # 孙网格 is bound now


def test_unbound_lists_who_has_not_bound_and_whether_a_live_invite_waits(core: Core) -> None:
    admin = Chat(core, ADMIN_CHAT)
    admin.says("/invite 一网格")
    core.store.cadres[6] = Cadre(6, "周网格", CadreRole.GRID_WORKER, 3, "13800000006")
    listed = admin.says("/unbound 新村镇")
    assert keys(listed) == ["Not bound yet in {unit} ({count}):\n{lines}\n/invite {unit} sends them fresh invite links."]
    lines = listed[0].text.params["lines"].params
    assert sorted((line.params["name"], line.key) for line in lines.values()) == [
        ("周网格", "{name}, {role}, {unit}: no live invite"),
        ("孙网格", "{name}, {role}, {unit}: invite valid until {until}"),
        ("王网格", "{name}, {role}, {unit}: invite valid until {until}")]


@pytest.mark.parametrize("command", ["invite", "unbound"])
def test_an_admin_elsewhere_and_a_plain_cadre_are_refused(core: Core, command: str) -> None:
    assert keys(Chat(core, OTHER_ADMIN_CHAT).says(f"/{command} 新村镇")) == [NOT_THERE]
    assert keys(Chat(core, CADRE_CHAT).says(f"/{command} 新村镇")) == [ADMINS_ONLY]
    assert keys(Chat(core, NEWCOMER_CHAT).says(f"/{command} 新村镇")) == [ADMINS_ONLY]
    assert len(core.store.invites) == 4  # nobody got a new invite


def test_an_expired_invite_says_when_and_what_to_do(core: Core) -> None:
    core.store.invites["old"] = (5, FixedClock().now() - timedelta(days=1), False)
    said = Chat(core, NEWCOMER_CHAT).says("/start old")
    assert keys(said) == ["This invite link expired on {day}. Ask your office's admin for a new one: they can send "
                          "you one with /invite followed by your unit."]
    assert said[0].text.params["day"] == "2026-11-22 10:00"


def test_a_used_invite_says_so_and_its_own_chat_is_welcomed_again(core: Core) -> None:
    assert keys(Chat(core, NEWCOMER_CHAT).says("/start invite-li")) == [
        "This invite link has been used already: each link binds one chat, once. If that was not you, tell your "
        "office's admin; they can send you a new link with /invite followed by your unit."]
    assert keys(Chat(core, CADRE_CHAT).says("/start invite-li")) == [
        "Welcome, {name} ({role}, {unit}). Tickets assigned to you will arrive here."]


def test_a_chat_that_is_another_cadres_cannot_take_a_second_invite(core: Core) -> None:
    assert keys(Chat(core, CADRE_CHAT).says("/start invite-wang")) == [
        "This chat already belongs to the cadre {name}: one chat is one cadre. Open the invite link from the chat "
        "of the person it was made for."]
    assert core.store.cadres[2].account_id is None
