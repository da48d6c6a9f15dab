"""The 助企连心卡 and invite QR codes as drawn: Chinese in real glyphs (never boxes), QR codes that a
reader decodes to the bot's deep link, a township's PDF of printable pages with the font embedded.

QR codes are read back with zxing-cpp (what a phone's scanner does); PDF pages are rendered with
pdfium (pypdfium2). Both are test-only dependencies. Glyphs are checked twice: the font's cmap
has every character drawn, and, in the pixels, the title's characters differ from each other
(a missing glyph is drawn as the same box every time)."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from bot import cards
from bot.charts import missing_glyphs
from bot.i18n import Translator
from bot.links import BotLinks
from handlers.contact_cards import CardFace
from handlers.messages import t

LINKS = BotLinks("lianxin_demo_bot")


def label(msg):  # type: ignore[no-untyped-def]
    return Translator().render(msg, "zh_CN")


def face(name: str = "润弘制药股份有限公司", n: int = 0) -> CardFace:
    return CardFace(enterprise=name, address="新村镇裴李岗路18号", unit="裴李岗村第一网格", cadre_name="陈晓明",
                    cadre_role=t("service butler"), cadre_phone="13525566031", complain="/complain",
                    start=f"card-Tok{n:03d}xxxxxxxxxxxxxxxxxxx", code=f"{123456 + n}")


def glyphs_differ(image: Image.Image, x_mm: float, baseline_mm: float, size_mm: float, text: str,
                  px_per_mm: float) -> bool:
    """Whether each character of `text`, drawn from `x_mm` on `baseline_mm`, looks unlike the others."""
    crops, x = [], x_mm
    for char in text:
        width = cards.text_width(char, size_mm)
        box = (x * px_per_mm, (baseline_mm - size_mm) * px_per_mm, (x + width) * px_per_mm, baseline_mm * px_per_mm)
        crops.append(image.crop(tuple(round(v) for v in box)).convert("1").tobytes())
        x += width
    return len(set(crops)) == len(crops)


def test_a_card_draws_every_character_with_a_glyph_and_its_qr_reads_as_the_cards_link() -> None:
    layout = cards.card_layout(face(), LINKS, label)
    assert "助企连心卡" in layout.texts and "陈晓明" in layout.texts and "验证码 123456" in layout.texts
    assert missing_glyphs(layout.texts, str(cards.cjk_font_file())) == set()
    image = Image.open(io.BytesIO(cards.card_png(face(), LINKS, label)))
    title = next(s for s in layout.shapes if isinstance(s, cards.Text) and s.text == "助企连心卡")
    assert glyphs_differ(image, title.x, title.y, title.size, title.text, cards.PX_PER_MM)
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [
        "https://t.me/lianxin_demo_bot?start=card-Tok000xxxxxxxxxxxxxxxxxxx"]


def test_a_font_without_chinese_would_be_caught_by_the_pixel_check() -> None:
    """The check itself: the same title drawn in boxes (a font without CJK) fails it."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("RGB", (600, 100), "white")
    ImageDraw.Draw(image).text((0, 80), "助企连心卡", font=ImageFont.load_default(size=60), fill="black", anchor="ls")
    assert not glyphs_differ(image, 0, 80 / 10, 6, "助企连心卡", 10)


def test_an_invite_qr_reads_as_the_invite_link() -> None:
    link = LINKS.start("e7VPH5rw2uVM9akCEZ00ZaS21ohGu4_H")
    image = Image.open(io.BytesIO(cards.qr_png(link, "王丽娟")))
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [link]


def test_a_townships_pdf_is_ten_cards_to_a_page_with_the_font_embedded_and_every_code_readable() -> None:
    faces = [face(f"新村镇第{n}号企业有限公司", n) for n in range(12)]
    data = cards.cards_pdf(faces, LINKS, label, title="助企连心卡 新村镇")
    assert b"/FontFile2" in data  # the TrueType glyphs travel with the file
    document = pypdfium2.PdfDocument(data)
    assert len(document) == 2
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert "新村镇第0号企业有限公司" in text and "新村镇第9号企业有限公司" in text and "新村镇第10号" not in text
    scale = 4
    image = page.render(scale=scale).to_pil()
    px_per_mm = scale * 72 / 25.4
    left, top = (cards.A4_W - 2 * cards.CARD_W) / 2, (cards.A4_H - 5 * cards.CARD_H) / 2
    title = next(s for s in cards.card_layout(faces[0], LINKS, label).shapes if isinstance(s, cards.Text))
    assert glyphs_differ(image, left + title.x, top + title.y, title.size, title.text, px_per_mm)
    read = sorted(code.text for code in zxingcpp.read_barcodes(image))
    assert read == sorted(LINKS.start(f.start) for f in faces[:10])


@pytest.mark.parametrize("text, lines", [
    ("举报：向 @lianxin_demo_bot 发送 /complain", ["举报：向 @lianxin_demo_bot 发送", "/complain"]),
])
def test_a_latin_word_is_not_broken_across_lines(text: str, lines: list[str]) -> None:
    assert cards.wrapped(text, 2.7, 53, 2) == lines
