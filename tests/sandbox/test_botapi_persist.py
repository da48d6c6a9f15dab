"""A server with a state file remembers its world across a restart, as Telegram does for a bot."""

from __future__ import annotations

import httpx

from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import TOKEN, png_bytes


async def call(server: LocalBotApi, method: str, **params) -> dict:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        answer = (await client.post(f"/bot{TOKEN}/{method}", json=params)).json()
    assert answer["ok"], answer
    return answer["result"]


def started(tmp_path, port: int = 0) -> LocalBotApi:
    server = LocalBotApi(host="127.0.0.1", port=port, state_file=tmp_path / "botapi.json")
    server.add_bot(TOKEN, "lianxin_bot", "连心桥")
    return server


async def test_a_restarted_server_still_knows_its_chats_messages_and_files(tmp_path):
    first = started(tmp_path)
    await first.start()
    owner = first.user(1001, "王老板", language_code="zh-hans")
    await owner.send("/start", wait=False)
    (update,) = await call(first, "getUpdates", timeout=0)
    buttons = {"inline_keyboard": [[{"text": "企业", "callback_data": "kind:enterprise"}]]}
    sent = await call(first, "sendMessage", chat_id=1001, text="欢迎", reply_markup=buttons)
    await call(first, "editMessageText", chat_id=1001, message_id=sent["message_id"], text="欢迎使用",
               reply_markup=buttons)
    await owner.send_photo(png_bytes(64, 48), caption="现场", wait=False)
    photo_id = first.bot().chats[1001].messages[-1].photo_files[-1].file_id
    await first.stop()

    second = started(tmp_path)
    await second.start()
    try:
        again = second.user(1001)
        assert [(m.text or m.caption) for m in again.messages(include_deleted=True)] == ["欢迎使用"]
        assert again.last_message().buttons == [[("企业", "kind:enterprise")]]
        assert len(again.last_message().edits) == 1
        notice = await call(second, "sendMessage", chat_id=1001, text="工单已受理")  # no "chat not found"
        assert notice["message_id"] == sent["message_id"] + 2, "message ids go on after the person's photo"
        assert notice["chat"]["first_name"] == "王老板"
        await again.send("/mine", wait=False)
        (later,) = await call(second, "getUpdates", timeout=0, offset=update["update_id"] + 2)
        assert later["update_id"] > update["update_id"] + 1
        file = await call(second, "getFile", file_id=photo_id)
        async with httpx.AsyncClient(base_url=second.url) as client:
            data = (await client.get(f"/file/bot{TOKEN}/{file['file_path']}")).content
        assert data == png_bytes(64, 48)
        pressed = await again.press("企业", wait=False)
        assert pressed.update_id == later["update_id"] + 1
    finally:
        await second.stop()


async def test_without_a_state_file_a_restart_forgets(tmp_path):
    first = LocalBotApi(host="127.0.0.1", port=0)
    first.add_bot(TOKEN, "lianxin_bot")
    await first.start()
    await first.user(1001).send("/start", wait=False)
    await first.stop()
    second = LocalBotApi(host="127.0.0.1", port=0)
    second.add_bot(TOKEN, "lianxin_bot")
    await second.start()
    try:
        async with httpx.AsyncClient(base_url=second.url) as client:
            answer = (await client.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 1001, "text": "x"})).json()
        assert answer["description"] == "Bad Request: chat not found"
    finally:
        await second.stop()
    assert not list(tmp_path.iterdir())
