"""周通报 to group robots, without the network: each platform's messages fit its limit, lose no line,
are numbered when split, are signed the platform's way, and Feishu stays off the hour and half hour."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import unquote_plus

import pytest

from bot.adapters.robots import DigestTooLarge, Platform, Robot, messages_for
from bot.adapters.robots import dingtalk, feishu, wecom
from bot.adapters.robots.split import split_digest
from bot.adapters.robots.wire import encode_body
from bot.bootstrap import unit_robots

TITLE = "城关街道 周通报 2026-06-08 至 2026-06-14"
# A long week: 400 ranked lines of mixed Chinese, digits and emoji (3 and 4 UTF-8 bytes a character).
LINES = [f"{i}. 第{i}网格 收到 {i % 7} 件 · 办结率 {i % 100}% 🔴 {'企业用工缺口待协调' * (i % 5)}"
         for i in range(1, 401)]


def title_and_lines(platform: Platform, message: dict) -> tuple[str, list[str]]:
    """What a reader sees in one message: its title and its lines."""
    if platform is Platform.WECOM:
        heading, *lines = message["markdown"]["content"].split("\n")
        return heading.removeprefix("### "), lines
    if platform is Platform.DINGTALK:
        heading, *lines = message["markdown"]["text"].split("\n\n")
        assert heading == f"### {message['markdown']['title']}"
        return message["markdown"]["title"], lines
    return message["card"]["header"]["title"]["content"], message["card"]["elements"][0]["text"]["content"].split("\n")


def size(platform: Platform, message: dict) -> int:
    if platform is Platform.WECOM:
        return len(message["markdown"]["content"].encode())
    if platform is Platform.FEISHU:  # signed: the timestamp and sign travel in the body
        return len(encode_body({"timestamp": "1781000000", "sign": "x" * 44} | message))
    return len(encode_body(message))


LIMITS = {Platform.WECOM: wecom.MAX_CONTENT_BYTES, Platform.DINGTALK: dingtalk.MAX_BODY_BYTES,
          Platform.FEISHU: feishu.MAX_BODY_BYTES}


@pytest.mark.parametrize("platform", list(Platform))
def test_a_long_digest_is_split_into_numbered_messages_that_fit_and_keep_every_line_in_order(platform):
    messages = messages_for(platform, TITLE, LINES)
    assert len(messages) > 1, "400 lines do not fit one message on any platform"
    assert all(size(platform, m) <= LIMITS[platform] for m in messages)
    seen = [title_and_lines(platform, m) for m in messages]
    assert [title for title, _ in seen] == [f"{TITLE} ({i}/{len(messages)})" for i in range(1, len(messages) + 1)]
    assert [line for _, lines in seen for line in lines] == LINES


@pytest.mark.parametrize("platform", list(Platform))
def test_a_short_digest_is_one_message_without_a_part_number(platform):
    [message] = messages_for(platform, TITLE, LINES[:5])
    assert title_and_lines(platform, message) == (TITLE, LINES[:5])


def test_messages_are_filled_rather_than_split_early():
    messages = messages_for(Platform.WECOM, TITLE, LINES)
    # Every message but the last had no room for the next line.
    for message, following in zip(messages, messages[1:], strict=False):
        next_line = title_and_lines(Platform.WECOM, following)[1][0]
        assert size(Platform.WECOM, message) + len(next_line.encode()) + 1 > wecom.MAX_CONTENT_BYTES


def test_a_single_line_longer_than_a_message_is_cut_between_characters_and_nothing_is_lost():
    huge = "营商环境问题描述🔥" * 1000  # ~28 KB: too long for any one WeCom message
    lines = ["前一行", huge, "后一行"]
    messages = messages_for(Platform.WECOM, TITLE, lines)
    assert all(len(m["markdown"]["content"].encode()) <= wecom.MAX_CONTENT_BYTES for m in messages)
    pieces = [line for m in messages for line in title_and_lines(Platform.WECOM, m)[1]]
    assert pieces[0] == "前一行" and pieces[-1] == "后一行"
    assert "".join(pieces[1:-1]) == huge, "the pieces, joined, give the line back"
    assert all(len(piece.encode()) > 3000 for piece in pieces[1:-2]), "cut only where a message is full"


def test_the_part_label_grows_to_two_digits_without_overflowing():
    lines = [f"{i} " + "字" * 300 for i in range(60)]  # ~900 bytes each: four to a WeCom message
    parts = split_digest(TITLE, lines, wecom.fits)
    assert len(parts) >= 10 and parts[-1][0].endswith(f"({len(parts)}/{len(parts)})")
    assert all(wecom.fits(title, part) for title, part in parts)


def test_a_title_with_no_room_for_text_is_refused():
    with pytest.raises(DigestTooLarge):
        messages_for(Platform.WECOM, "周" * 2000, ["一行"])


def test_dingtalk_signs_hmac_of_timestamp_and_secret_keyed_by_the_secret_and_urlencodes_it():
    secret, ms = "SEC0123456789abcdef", 1781049600000
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), hashlib.sha256).digest())
    signed = dingtalk.sign(secret, ms)
    assert unquote_plus(signed) == expected.decode()
    assert not set("+/=") & set(signed), "safe inside a query string"


def test_feishu_signs_an_empty_message_keyed_by_timestamp_and_secret():
    secret, seconds = "feishu-secret", 1781049600
    expected = base64.b64encode(hmac.new(f"{seconds}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
    assert feishu.sign(secret, seconds) == expected
    dingtalk_way = base64.b64encode(hmac.new(secret.encode(), f"{seconds}\n{secret}".encode(),
                                             hashlib.sha256).digest()).decode()
    assert feishu.sign(secret, seconds) != dingtalk_way


def test_signed_requests_carry_the_signature_where_each_platform_expects_it():
    now = datetime(2026, 6, 15, 1, 5, tzinfo=UTC)
    ding = Robot(platform="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=tok", secret="SECx")
    url, _ = dingtalk.request(ding, {}, now)
    assert url.startswith(ding.url + "&timestamp=1781485500000&sign=")
    fei = Robot(platform="feishu", url="https://open.feishu.cn/open-apis/bot/v2/hook/tok", secret="s")
    url, body = feishu.request(fei, {"msg_type": "interactive"}, now)
    assert url == fei.url and body["timestamp"] == "1781485500" and body["sign"] == feishu.sign("s", 1781485500)


@pytest.mark.parametrize(("clock", "wait"), [
    ("10:00:00", 120), ("09:58:30", 210), ("10:01:59", 1), ("10:02:00", 0), ("10:15:00", 0),
    ("10:27:59", 0), ("10:28:00", 240), ("10:30:30", 90), ("17:31:00", 60),
])
def test_feishu_sends_wait_until_two_minutes_past_the_hour_or_half_hour(clock, wait):
    hour, minute, second = map(int, clock.split(":"))
    beijing_as_utc = datetime(2026, 6, 15, hour - 8, minute, second, tzinfo=UTC)  # UTC+8: same minutes
    assert feishu.quiet_delay(beijing_as_utc) == wait


def test_a_robot_shows_neither_its_webhook_nor_its_secret():
    robot = Robot(platform="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=tok9876",
                  secret="SECsecret")
    assert "tok9876" not in repr(robot) and "SECsecret" not in repr(robot) and "SECsecret" not in str(robot)
    assert robot.name == "dingtalk:…9876"


def test_robots_per_unit_are_read_from_settings():
    robots = unit_robots('{"城关街道": [{"platform": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook'
                         '/send?key=k1"}, {"platform": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/'
                         'hook/h1", "secret": "s"}], "新村镇": []}')
    assert [r.platform for r in robots["城关街道"]] == [Platform.WECOM, Platform.FEISHU]
    assert robots["新村镇"] == [] and unit_robots(None) == {}


@pytest.mark.parametrize(("setting", "says"), [
    ('{"城关街道": [{"platform": "slack", "url": "https://hooks.slack.com/x"}]}', "城关街道, robot 1: platform"),
    ('{"城关街道": [{"platform": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send"}]}',
     "城关街道, robot 1: .*access_token"),
    ('{"新村镇": [{"platform": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/h"}, '
     '{"platform": "wecom", "url": "not a url"}]}', "新村镇, robot 2: .*key="),
    ('{"城关街道": [{"platform": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", '
     '"secret": "s"}]}', "城关街道, robot 1: .*not signed"),
    ('{"城关街道": {"platform": "wecom"}}', "城关街道: not a list"),
    ('["城关街道"]', "expected"),
    ("{", "not JSON"),
])
def test_a_wrong_robot_setting_stops_the_start_naming_the_unit(setting, says):
    with pytest.raises(ValueError, match=says):
        unit_robots(setting)


def test_a_refused_setting_does_not_echo_the_webhook_token():
    with pytest.raises(ValueError) as refused:
        unit_robots('{"城关街道": [{"platform": "dingtalk", "url": "https://oapi.dingtalk.com/robot/sendX?access_'
                    'token=SECRETTOKEN"}]}')
    assert "SECRETTOKEN" not in str(refused.value)
