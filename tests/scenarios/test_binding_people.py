"""Binding people, the whole way over the Bot API: an admin's /invite sends each unbound cadre's
link with its QR code, and the cadre who scans it is bound; an enterprise's owner scans the QR
on its 助企连心卡 and confirms with the code printed on the card (a wrong one first) or the phone
registered for it."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import zxingcpp
from PIL import Image

from bot import cards
from bot.i18n import Translator
from bot.links import BotLinks
from handlers.contact_cards import face
from handlers.turn import Work
from storage.admin import seed_demo
from storage.uow import uow_factory
from tests.scenarios.conftest import BOT_USERNAME
from tests.scenarios.story import BOSS, bound_cadre

LINK = re.compile(rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]+)")


def start_parameter_in(link: str) -> str:
    match = LINK.fullmatch(link)
    assert match, f"not a deep link to the bot: {link!r}"
    return match.group(1)


async def test_an_admin_invites_the_unbound_cadres_and_one_binds_by_scanning_the_qr_code(botapi, lianxin, database_url):
    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)  # the township's admin in the demo
    sent = await admin.send("/invite 裴李岗村")
    assert sent.texts[0].startswith("裴李岗村尚未绑定的 2 名干部的邀请链接如下，7 天内有效")
    photos = [m for m in sent.replies if m.photo_bytes]
    assert sorted(m.caption.splitlines()[0] for m in photos) == ["李建国（网格员，裴李岗村第二网格）",
                                                                  "王丽娟（网格员，裴李岗村第一网格）"]
    [wang] = [m for m in photos if m.caption.startswith("王丽娟")]
    scanned = [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(wang.photo_bytes)))]
    assert scanned == [wang.caption.splitlines()[1]], "the QR code is the link under it"
    grid_worker = botapi.user(2020, first_name="王丽娟", language_code="zh-hans")
    welcomed = await grid_worker.send(f"/start {start_parameter_in(scanned[0])}")
    assert welcomed.texts[-1].startswith("欢迎，王丽娟（网格员")
    listed = (await admin.send("/unbound 裴李岗村")).texts[-1]
    assert "李建国，网格员，裴李岗村第二网格：邀请有效期至" in listed and "王丽娟" not in listed
    again = await botapi.user(2021, language_code="zh-hans").send(f"/start {start_parameter_in(scanned[0])}")
    assert again.texts[-1].startswith("该邀请链接已被使用")


async def test_the_right_is_checked_for_invite_and_unbound(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    assert (await butler.send("/invite 新村镇")).texts[-1] == "/invite 仅供管理员使用，您的账号不是管理员。"
    assert (await butler.send("/unbound 新村镇")).texts[-1] == "/unbound 仅供管理员使用，您的账号不是管理员。"
    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)
    refused = (await admin.send("/invite 新郑市")).texts[-1]
    assert refused == "新村镇及下辖单位中没有“新郑市”。请核对名称后重新发送 /invite。", "the district is above them"


def printed_card(database_url: str, enterprise: str) -> tuple[str, str, bytes]:
    """What the office prints for the enterprise (lianxin cards): the QR's start parameter, the
    code, and the card as a picture."""
    demo = seed_demo(database_url)
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            card = face(Work(uow=uow, now=datetime.now(UTC)), uow.directory.enterprise(demo.enterprises[enterprise]))
            uow.commit()
    finally:
        factory.dispose()
    picture = cards.card_png(card, BotLinks(BOT_USERNAME), lambda msg: Translator().render(msg, "zh_CN"))
    return card.start, card.code, picture


async def test_an_owner_binds_the_enterprise_by_its_cards_qr_and_code_and_reports_without_a_credit_code(
        botapi, lianxin, database_url):
    _, code, picture = printed_card(database_url, "润弘制药股份有限公司")
    [scanned] = [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(picture)))]
    owner = botapi.user(BOSS, first_name="王总", language_code="zh-hans")
    asked = await owner.send(f"/start {start_parameter_in(scanned)}")
    assert asked.texts[-1].startswith("这是润弘制药股份有限公司的助企连心卡")
    assert asked.replies[-1].reply_keyboard is not None, "the phone can be shared with one tap"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = await owner.send(wrong)
    assert refused.texts[0] == "验证码不正确（还可尝试 4 次）。验证码是印在二维码旁的6位数字。"
    assert refused.texts[-1].startswith("这是润弘制药股份有限公司的助企连心卡"), "and asked again"
    bound = await owner.send(code)
    assert bound.texts[-1].startswith("绑定成功，本账号已是润弘制药股份有限公司的联系人"), bound.texts
    assert "陈晓明" in bound.texts[-1]
    await owner.send("/start")
    await owner.press("企业")
    await owner.press("为润弘制药股份有限公司反映")
    assert owner.last_message().text == "请选择问题类别：", "no credit code asked"


async def test_an_owner_binds_the_enterprise_by_sharing_its_registered_phone(botapi, lianxin, database_url):
    start, _, _ = printed_card(database_url, "郑州华信食品有限公司")
    owner = botapi.user(BOSS, first_name="李总", language_code="zh-hans")
    await owner.send(f"/start {start}")
    refused = await owner.share_contact("13800009999")
    assert refused.texts[0] == "该手机号不是郑州华信食品有限公司登记的手机号。请改为输入卡上印制的验证码。"
    bound = await owner.share_contact("037162592002")  # the phone in the enterprise register
    assert bound.texts[-1].startswith("绑定成功，本账号已是郑州华信食品有限公司的联系人")
