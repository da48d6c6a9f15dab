"""The first five minutes, in a browser: a visitor plays every role of the demo on its page.

Each step waits for what the page shows (Playwright's expectations retry until it does), never
for time to pass. Screenshots of the steps go to the `screenshots` folder (see conftest.py).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from bot.cli import DEMO_TOKEN
from sandbox.botapi.testing import png_bytes
from tests.browser.conftest import Demo
from tests.support.demo import ROOT

OWNER, LEADER_GROUP = 1001, -100500  # as the demo names them (issue 15, contract 1)
TICKET = re.compile(r"LX-\d{4}-\d+")
README_SHOTS = {"02-butler-gets-the-report.png", "06-digest-in-the-leader-group.png"}


class ChatPanel:
    """One persona's chat on the page, acted on as the visitor would."""

    def __init__(self, page: Page, chat_id: int) -> None:
        self.page = page
        self.chat_id = chat_id
        self.root = page.locator(f'section.chat[data-chat="{chat_id}"]')

    def bot_messages(self) -> Locator:
        return self.root.locator("li.msg.bot:not(.deleted)")

    def last(self) -> Locator:
        return self.bot_messages().last

    def settled(self) -> None:
        """The action went through and the bot's answer is on the page."""
        expect(self.root).not_to_have_class(re.compile(r"\bbusy\b"))

    def says(self, text: str) -> None:
        box = self.root.locator('.composer input[type="text"]')
        box.fill(text)
        box.press("Enter")
        self.settled()

    def presses(self, label: str) -> None:
        """The newest inline button with this label."""
        self.root.locator(".inline-keyboard").get_by_role("button", name=label, exact=True).last.click()
        self.settled()

    def sees(self, text: str | re.Pattern[str]) -> None:
        expect(self.last()).to_contain_text(text)


def show_only(page: Page, *chat_ids: int) -> None:
    """Pick the personas shown side by side with their tabs."""
    expect(page.locator("body")).to_have_attribute("data-ready", "true")  # every chat read once
    tabs = page.locator(".persona-tab")
    for index in range(tabs.count()):
        tab = tabs.nth(index)
        wanted = int(tab.get_attribute("data-chat") or 0) in chat_ids
        if (tab.get_attribute("aria-pressed") == "true") != wanted:
            tab.click()


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / name))
    if name in README_SHOTS and os.environ.get("LIANXIN_README_SCREENSHOTS") == "1":
        page.screenshot(path=str(ROOT / "docs" / "screenshots" / name))


def persona_named(demo: Demo, name: str) -> int:
    return next(p["id"] for p in demo.personas() if p["name"] == name)


def credit_code(demo: Demo) -> str:
    return re.search(r"credit code (\w{18})", demo.process.log)[1]


def report_as_owner(owner: ChatPanel, demo: Demo, problem: str, photo: Path | None) -> None:
    """The owner's report, from /start to the summary (not yet submitted)."""
    owner.says("/start")
    owner.presses("企业")
    owner.says(credit_code(demo))
    owner.sees("请选择问题类别")
    owner.presses("水电气暖")
    owner.says(problem)
    owner.sees("照片")
    if photo is not None:
        owner.root.locator('input[type="file"]').set_input_files(str(photo))
        owner.settled()
        owner.sees("1 张照片")
    owner.presses("完成")
    share = owner.root.locator(".reply-keyboard button").first  # the contact-share keyboard
    expect(share).to_be_visible()
    share.click()
    owner.settled()
    owner.sees("润弘制药")


def submitted_ticket(owner: ChatPanel) -> str:
    owner.presses("确认提交")
    owner.sees("陈晓明")
    return TICKET.search(owner.last().inner_text())[0]


def test_a_report_with_a_photo_is_accepted_resolved_confirmed_and_rated(page: Page, demo: Demo, screenshots: Path,
                                                                        tmp_path: Path) -> None:
    owner, butler = ChatPanel(page, OWNER), ChatPanel(page, persona_named(demo, "陈晓明"))
    show_only(page, OWNER, butler.chat_id)
    owner.says("/start")
    expect(owner.last()).to_be_visible()
    first_answer = time.monotonic() - demo.process.started
    print(f"start command to the first answer in the page: {first_answer:.1f} s "
          f"(demo ready after {demo.process.ready_at - demo.process.started:.1f} s)")

    photo = tmp_path / "停电现场.png"
    photo.write_bytes(png_bytes(640, 480))
    report_as_owner(owner, demo, "停电三天了，生产线全部停工", photo)
    expect(owner.root.locator(".attachment.contact").last).to_contain_text("王老板")  # shared as themselves
    expect(owner.last()).to_contain_text("+8613900001001")  # the shared contact's number
    shoot(page, screenshots, "01-owner-reports-with-a-photo.png")

    number = submitted_ticket(owner)
    card = butler.bot_messages().filter(has_text=number).filter(has=page.locator(".inline-keyboard")).last
    expect(card).to_contain_text("停电三天了")
    expect(card.get_by_role("button", name="接单", exact=True)).to_be_visible()
    photo_shown = butler.root.locator("img.photo").last
    assert photo_shown.evaluate("img => img.decode().then(() => img.naturalWidth)") == 640
    shoot(page, screenshots, "02-butler-gets-the-report.png")

    card_id = card.get_attribute("data-id")
    butler.presses("接单")
    owner.sees("陈晓明")
    edited = butler.root.locator(f'li.msg[data-id="{card_id}"]')  # the same card, edited in place
    expect(edited.locator(".meta")).to_have_text("已编辑")
    expect(edited.get_by_role("button", name="接单", exact=True)).to_have_count(0)
    butler.presses("办结")
    butler.says("已协调供电公司抢修，今日恢复供电")
    owner.sees("您的问题解决了吗")
    shoot(page, screenshots, "03-butler-resolves.png")

    owner.presses("已解决")
    owner.sees(f"工单 {number} 已办结")
    owner.presses("★★★★★")
    owner.sees("感谢您对工单")
    expect(butler.last()).to_contain_text("5 分")
    shoot(page, screenshots, "04-owner-confirms-and-rates.png")


def test_the_leader_group_gets_the_digest_with_its_chart(page: Page, demo: Demo, screenshots: Path) -> None:
    group = ChatPanel(page, LEADER_GROUP)
    show_only(page, LEADER_GROUP, persona_named(demo, "赵主任"))
    group.says("/digest")
    chart = group.root.locator("img.photo").last
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.decode().then(() => img.naturalWidth)") > 300
    expect(group.root.locator("li.msg.bot").filter(has_text="周通报").last).to_contain_text("新村镇")
    personas = {p["id"]: p for p in demo.personas()}
    member = personas[personas[LEADER_GROUP]["member"]]["name"]
    expect(group.root.locator("li.msg.me .sender").last).to_have_text(member)  # posted as its member
    shoot(page, screenshots, "06-digest-in-the-leader-group.png")


def test_time_moves_a_reminder_arrives_then_the_monday_digest(page: Page, demo: Demo, screenshots: Path) -> None:
    advance = page.locator("[data-advance]")
    assert demo.has_clock(), "the demo's clock answers /_sim/clock"
    group = ChatPanel(page, LEADER_GROUP)
    butler = ChatPanel(page, persona_named(demo, "陈晓明"))
    show_only(page, butler.chat_id, LEADER_GROUP)
    # The district's history leaves the butler a ticket due by the next working day (bot/demo_history.py),
    # and the ladder's 催办 goes out in office hours: by next Monday 09:00 it has, whatever the hour the
    # demo started at (a fresh report or "+1 工作日" from a night start would not be due yet).
    page.get_by_role("button", name="下周一 09:00").click()
    expect(advance.first).to_be_enabled()  # the move has been made and what it made due was sent
    expect(page.locator("#clock-now")).to_contain_text("周一 09:00")
    expect(butler.bot_messages().filter(has_text=re.compile("催办|督办")).last).to_be_visible()
    shoot(page, screenshots, "05-a-reminder-arrives.png")
    expect(group.bot_messages().filter(has_text="周通报").last).to_be_visible()
    expect(group.root.locator("img.photo").last).to_be_visible()
    shoot(page, screenshots, "07-monday-digest.png")


def test_the_bots_text_is_shown_as_text_never_run_as_html(page: Page, demo: Demo) -> None:
    owner = ChatPanel(page, OWNER)
    show_only(page, OWNER)
    attack = '<img src=x onerror="document.title=\'pwned\'"> 水管<b>爆了</b>'
    report_as_owner(owner, demo, attack, None)
    summary = owner.last()
    expect(summary).to_contain_text(attack)  # shown literally, as Telegram shows it
    expect(summary.locator("img")).to_have_count(0)
    assert page.title() == "连心桥 · 演示"
    owner.presses("取消")


def test_formatted_text_shows_as_telegram_shows_it(page: Page, demo: Demo) -> None:
    """The bot's HTML (parse_mode) as the server stored it: entities become bold, italic, code and
    links; escaped markup stays text."""
    owner = ChatPanel(page, OWNER)
    show_only(page, OWNER)
    html = ('<b>工单 LX-2026-000123</b> <i>已受理</i> <code>A类</code> '
            '<a href="https://example.org/t/123">查看</a> &lt;img src=x onerror=alert(1)&gt;')
    sent = demo.http.post(f"/bot{DEMO_TOKEN}/sendMessage", json={"chat_id": OWNER, "text": html,
                                                                   "parse_mode": "HTML"})
    assert sent.status_code == 200, sent.text
    message = owner.root.locator(f'li.msg[data-id="{sent.json()["result"]["message_id"]}"]')
    expect(message.locator("strong")).to_have_text("工单 LX-2026-000123")
    expect(message.locator("em")).to_have_text("已受理")
    expect(message.locator("code")).to_have_text("A类")
    expect(message.get_by_role("link", name="查看")).to_have_attribute("href", "https://example.org/t/123")
    expect(message).to_contain_text("<img src=x onerror=alert(1)>")
    expect(message.locator("img")).to_have_count(0)


def test_the_ledger_downloads_with_its_file_name(page: Page, demo: Demo) -> None:
    leader = ChatPanel(page, persona_named(demo, "赵主任"))
    show_only(page, leader.chat_id)
    leader.says("/ledger")
    link = leader.root.locator("a.attachment.document").last
    expect(link).to_contain_text(".xlsx")
    with page.expect_download() as download:
        link.click()
    name = download.value.suggested_filename
    assert name.endswith(".xlsx") and "台账" in name, name
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"  # an Office Open XML file
