"""Chats are served side by side, each in its own order (bot/chat_queues.py): a person whose update
is slow to handle (a photo still downloading, here) holds up nobody else, and their own next message
waits for it."""

from __future__ import annotations

import asyncio

from sandbox.botapi.testing import png_bytes

WAIT = 60.0  # only a bug waits this long


async def test_a_slow_update_holds_up_its_own_chat_only(botapi, lianxin):
    release = asyncio.Event()
    download = botapi.faults.add("getFile", hold=release)
    slow = botapi.user(801, first_name="王老板", language_code="zh-hans")
    other = botapi.user(802, first_name="李老板", language_code="zh-hans")

    photo = await slow.send_photo(png_bytes(64, 48), wait=False)
    await asyncio.wait_for(download.reached.wait(), WAIT)  # the bot is fetching the photo now
    then = await slow.send("/start", wait=False)

    answered = await other.send("/start")  # returns once the bot is done with it
    assert answered.texts, "another chat is answered while the photo is still on its way"
    assert slow.messages() == [], "the slow chat's /start waits behind its photo"

    release.set()
    for update in (photo, then):
        await asyncio.wait_for(lianxin.runtime.handled.wait(str(update.update_id)), WAIT)
    await botapi.wait_idle()
    replies = [m.text or m.caption or "" for m in slow.messages()]
    # the photo's answer (it offers to report it), then /start's two: in the order they were sent
    assert len(replies) == 1 + len(answered.texts), replies
    assert "/start" in replies[0] and replies[1:] == answered.texts, replies
