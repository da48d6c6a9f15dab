"""Files: uploads, file_id reuse, getFile and downloads, photos from users."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.botapi import LocalBotApi
from sandbox.botapi.testing import TOKEN, png_bytes


@pytest.fixture
async def chat_id(server: LocalBotApi, as_bot: Any) -> int:
    await as_bot(server.user(1001, "王老板").send("/start"))
    return 1001


async def upload(http: httpx.AsyncClient, method: str, field: str, data: bytes, **form: str) -> dict:
    files = {field: ("picture.png" if field == "photo" else "report.pdf", data, "application/octet-stream")}
    return (await http.post(f"/bot{TOKEN}/{method}", data=form, files=files)).json()


async def download(http: httpx.AsyncClient, api: Any, file_id: str) -> bytes:
    file = (await api("getFile", file_id=file_id)).json()["result"]
    response = await http.get(f"/file/bot{TOKEN}/{file['file_path']}")
    assert response.status_code == 200 and file["file_size"] == len(response.content)
    return response.content


async def test_photo_upload_get_file_download(server: LocalBotApi, http: httpx.AsyncClient, api: Any,
                                              chat_id: int) -> None:
    image = png_bytes(1280, 960)
    sent = await upload(http, "sendPhoto", "photo", image, chat_id=str(chat_id), caption="现场照片")
    sizes = sent["result"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [(320, 240), (1280, 960)]
    assert sent["result"]["caption"] == "现场照片"
    assert await download(http, api, sizes[-1]["file_id"]) == image
    again = (await api("sendPhoto", chat_id=chat_id, photo=sizes[-1]["file_id"])).json()["result"]
    assert again["photo"][-1]["file_id"] == sizes[-1]["file_id"]
    assert server.user(chat_id).last_message().photo_bytes == image


async def test_photo_errors(http: httpx.AsyncClient, api: Any, chat_id: int) -> None:
    not_image = await upload(http, "sendPhoto", "photo", b"%PDF-1.4 not a picture", chat_id=str(chat_id))
    assert not_image["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    wrong_id = (await api("sendPhoto", chat_id=chat_id, photo="AgACAgIAAxkBAAIBadId")).json()
    assert wrong_id["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    missing = (await api("sendPhoto", chat_id=chat_id)).json()
    assert missing["description"] == "Bad Request: there is no photo in the request"
    long_caption = await upload(http, "sendPhoto", "photo", png_bytes(), chat_id=str(chat_id), caption="x" * 1025)
    assert long_caption["description"] == "Bad Request: message caption is too long"
    assert (await api("getFile", file_id="nope")).json()["description"] == "Bad Request: invalid file_id"
    assert (await http.get(f"/file/bot{TOKEN}/photos/nope.jpg")).status_code == 404


async def test_document_round_trip_and_type_checks(server: LocalBotApi, http: httpx.AsyncClient, api: Any,
                                                   chat_id: int) -> None:
    data = b"%PDF-1.4 \x00\x01 report"
    sent = (await upload(http, "sendDocument", "document", data, chat_id=str(chat_id)))["result"]["document"]
    assert sent["file_name"] == "report.pdf" and sent["file_size"] == len(data)
    assert await download(http, api, sent["file_id"]) == data
    as_photo = (await api("sendPhoto", chat_id=chat_id, photo=sent["file_id"])).json()
    assert as_photo["description"] == "Bad Request: can't use file of type Document as Photo"
    assert server.user(chat_id).last_message().document_bytes == data


async def test_attach_uri_upload_like_aiogram(http: httpx.AsyncClient, api: Any, chat_id: int) -> None:
    image = png_bytes()
    files = {"f1": ("a.png", image, "image/png")}
    form = {"chat_id": str(chat_id), "photo": "attach://f1"}
    sent = (await http.post(f"/bot{TOKEN}/sendPhoto", data=form, files=files)).json()
    assert await download(http, api, sent["result"]["photo"][-1]["file_id"]) == image


async def test_users_photo_can_be_downloaded_by_the_bot(server: LocalBotApi, http: httpx.AsyncClient,
                                                        api: Any, as_bot: Any) -> None:
    image = png_bytes(800, 600)
    update = await as_bot(server.user(1001, "王老板").send_photo(image, caption="漏水"))
    photo = update["message"]["photo"]
    assert update["message"]["caption"] == "漏水" and photo[-1]["width"] == 800
    assert all({"file_id", "file_unique_id", "width", "height", "file_size"} <= set(p) for p in photo)
    assert await download(http, api, photo[-1]["file_id"]) == image
