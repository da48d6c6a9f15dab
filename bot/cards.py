"""Drawing 助企连心卡 and invite QR codes: PNG with Pillow, PDF with reportlab, QR codes with qrcode.

The core says what a card shows (handlers.contact_cards.CardFace); here it is laid out once, in
millimetres, as a list of shapes (`Layout`), and that one layout is painted twice: by Pillow
into a PNG, by reportlab into a PDF page, so the printed card and the picture sent in chat are
the same card. Chinese text is drawn in real glyphs from the CJK font dev.py installs for the
charts (Debian's WenQuanYi Micro Hei), embedded (subset) in the PDF.

Why reportlab for the PDF: measured on this machine, 60 card pages took 0.9 s with reportlab
4.5 and 3.3 s with fpdf2 2.8 (after a 3.5 s import; reportlab imports in 0.2 s), files 56 KB
against 38 KB — a township's 2,476 enterprises are a 40-second print run instead of over two
minutes. Both embed the TrueType collection's glyphs. A font with PostScript (CFF) outlines
(Noto Sans CJK's .ttc) cannot be embedded by reportlab: the WenQuanYi font is looked for first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.links import BotLinks
from handlers.contact_cards import CardFace
from handlers.messages import Msg, t

Label = Callable[[Msg], str]  # renders a message in the reader's language

CARD_W, CARD_H = 90.0, 54.0  # mm: a business card (名片), fits a wallet
PX_PER_MM = 12  # the PNG at about 300 dpi
RED = (196, 30, 36)
INK, GREY, WHITE = (33, 33, 33), (110, 110, 110), (255, 255, 255)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".local/share/fonts"))
FONT_MARKS = ("wqy-", "sourcehansans", "cjk")  # in order of preference (TrueType outlines first: see above)
A4_W, A4_H = 210.0, 297.0
SHEET_COLUMNS, SHEET_ROWS = 2, 5  # ten cards on an A4 sheet, with cut lines between them


class NoCjkFont(RuntimeError):
    """No Chinese font is installed: a card would show boxes (豆腐) instead of names."""


@cache
def cjk_font_file() -> Path:
    found = [path for folder in FONT_DIRS if Path(folder).is_dir() for path in Path(folder).rglob("*")
             if path.suffix.lower() in (".ttf", ".ttc", ".otf")]
    for mark in FONT_MARKS:
        for path in sorted(found):
            if mark in path.name.lower():
                return path
    raise NoCjkFont("no Chinese font found for the cards; install one, e.g. `apt-get install fonts-wqy-microhei` "
                    "(python3 dev.py does it)")


# --- the layout: shapes in millimetres, from the card's top left ----------------------

@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: tuple[int, int, int]


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # the baseline
    size: float  # mm, the font's em
    text: str
    color: tuple[int, int, int] = INK


@dataclass(frozen=True)
class Qr:
    x: float
    y: float
    size: float
    modules: tuple[tuple[bool, ...], ...]  # dark modules, row by row, without the quiet zone


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    shapes: tuple[Box | Text | Qr, ...]

    @property
    def texts(self) -> str:
        """Every character drawn, for checking the font has each one."""
        return "".join(shape.text for shape in self.shapes if isinstance(shape, Text))


def qr_modules(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code of `data` (error correction M: a crease or a smudge on a printed card still scans)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


@cache
def _measuring_font():  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(str(cjk_font_file()), 100, index=0)


def text_width(text: str, size: float) -> float:
    """Width in mm of `text` at `size` mm (the same font metrics drive both painters)."""
    return _measuring_font().getlength(text) * size / 100


def wrapped(text: str, size: float, width: float, max_lines: int) -> list[str]:
    """`text` broken into lines no wider than `width`: between Chinese characters anywhere, a
    Latin word (an @name, a /command, a number) only at its spaces; the last line cut with …
    if it would not fit in `max_lines`."""
    lines, line = [], ""
    for piece in _pieces(text):
        if line.strip() and text_width(line + piece, size) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        while lines[-1] and text_width(lines[-1] + "…", size) > width:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


def _pieces(text: str) -> list[str]:
    """What a line may not be broken inside: a run of Latin letters, digits and signs, or one other character."""
    return re.findall(r"[\x21-\x7e]+|.", text, flags=re.S)


# The card's own words (what it says is the core's: handlers.contact_cards.CardFace).
CARD_TITLE = t("助企连心卡 contact card")
BAOLIAN = t("Assigned cadre (包联): {name}, {role}")
NO_BAOLIAN = t("Assigned cadre (包联): named by the township")
PHONE = t("Phone: {phone}")
COMPLAIN = t("举报 (report a cadre's conduct): send {command} to @{bot}")
SCAN = t("Scan to become the contact")
CODE = t("Code {code}")
HOW = t("Scan, then type the code or share the phone registered for the enterprise.")


def card_layout(face: CardFace, links: BotLinks, label: Label) -> Layout:
    """One card: a red band with the title; the enterprise, its 包联 cadre and the 举报 channel on
    the left; the QR code on the right with its one-time code under it, in a quiet zone of at
    least four modules (the band is kept clear of it too) so that phones read it."""
    qr_size, qr_x, qr_y = 25.0, CARD_W - 4.0 - 25.0, 15.0
    left, text_w = 4.0, qr_x - 4.0 - 4.0
    shapes: list[Box | Text | Qr] = [Box(0, 0, CARD_W, CARD_H, WHITE), Box(0, 0, CARD_W, 9.5, RED),
                                     Text(left, 6.6, 4.6, label(CARD_TITLE), WHITE)]
    y = 15.5
    name = wrapped(face.enterprise, 3.6, text_w, 2)
    for line in name:
        shapes.append(Text(left, y, 3.6, line))
        y += 4.6
    if face.unit and len(name) == 1:
        shapes.append(Text(left, y, 2.5, face.unit, GREY))
        y += 3.6
    y += 1.2
    cadre = (label(Msg(BAOLIAN.key, {"name": face.cadre_name, "role": face.cadre_role}))
             if face.cadre_name else label(NO_BAOLIAN))
    lines = wrapped(cadre, 2.7, text_w, 2)
    if face.cadre_phone:
        lines.append(label(Msg(PHONE.key, {"phone": face.cadre_phone})))
    lines += wrapped(label(Msg(COMPLAIN.key, {"command": face.complain, "bot": links.username.lstrip("@")})),
                     2.7, text_w, 2)
    for line in lines:
        shapes.append(Text(left, y, 2.7, line))
        y += 3.6
    how = wrapped(label(HOW), 2.2, text_w, 2)
    for index, line in enumerate(how):
        shapes.append(Text(left, CARD_H - 3.2 - 3.0 * (len(how) - 1 - index), 2.2, line, GREY))
    shapes.append(Qr(qr_x, qr_y, qr_size, qr_modules(links.start(face.start))))
    shapes.append(_centred(label(Msg(CODE.key, {"code": face.code})), qr_x + qr_size / 2, qr_y + qr_size + 5.2, 3.4))
    shapes.append(_centred(label(SCAN), qr_x + qr_size / 2, qr_y + qr_size + 9.2, 2.2, GREY))
    return Layout(CARD_W, CARD_H, tuple(shapes))


def _centred(text: str, centre: float, baseline: float, size: float, color: tuple[int, int, int] = INK) -> Text:
    return Text(centre - text_width(text, size) / 2, baseline, size, text, color)


def qr_layout(link: str, caption: str) -> Layout:
    """A QR code with a line under it (an invite: the cadre's name), to send or print."""
    size, margin = 50.0, 6.0
    shapes: list[Box | Text | Qr] = [Box(0, 0, size + 2 * margin, size + 2 * margin + 8, WHITE),
                                     Qr(margin, margin, size, qr_modules(link))]
    if caption:
        shapes.append(_centred(caption, margin + size / 2, size + margin + 7, 4.5))
    return Layout(size + 2 * margin, size + 2 * margin + 8, tuple(shapes))


# --- painting: PNG ------------------------------------------------------------------

def png(layout: Layout, px_per_mm: int = PX_PER_MM) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (round(layout.width * px_per_mm), round(layout.height * px_per_mm)), WHITE)
    draw = ImageDraw.Draw(image)
    for shape in layout.shapes:
        if isinstance(shape, Box):
            draw.rectangle(_px_box(shape.x, shape.y, shape.w, shape.h, px_per_mm), fill=shape.fill)
        elif isinstance(shape, Text):
            draw.text((shape.x * px_per_mm, shape.y * px_per_mm), shape.text, fill=shape.color, anchor="ls",
                      font=_font(round(shape.size * px_per_mm)))
        else:
            module = shape.size / len(shape.modules)
            for row, dark_row in enumerate(shape.modules):
                for column, dark in enumerate(dark_row):
                    if dark:
                        draw.rectangle(_px_box(shape.x + column * module, shape.y + row * module, module, module,
                                               px_per_mm), fill=(0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(px_per_mm * 25.4, px_per_mm * 25.4))
    return buffer.getvalue()


def _px_box(x: float, y: float, w: float, h: float, px_per_mm: int) -> tuple[int, int, int, int]:
    """Whole pixels, edges rounded the same way, so neighbouring QR modules leave no seam."""
    left, top = round(x * px_per_mm), round(y * px_per_mm)
    return left, top, round((x + w) * px_per_mm) - 1, round((y + h) * px_per_mm) - 1


@cache
def _font(size_px: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(str(cjk_font_file()), size_px, index=0)


# --- painting: PDF ----------------------------------------------------------------

PDF_FONT = "LianxinCJK"


def pdf(layouts: Sequence[Layout], *, sheet: bool = True, title: str = "") -> bytes:
    """The cards as a PDF: ten to an A4 page with dashed cut lines (`sheet`), or one per page of
    the card's own size."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    _register_font()
    buffer = io.BytesIO()
    first = layouts[0] if layouts else Layout(CARD_W, CARD_H, ())
    page = (A4_W, A4_H) if sheet else (first.width, first.height)
    canvas = Canvas(buffer, pagesize=(page[0] * mm, page[1] * mm), pageCompression=1)
    canvas.setTitle(title)
    per_page = SHEET_COLUMNS * SHEET_ROWS if sheet else 1
    for start in range(0, max(len(layouts), 1), per_page):
        placed = list(_placed(layouts[start:start + per_page], sheet))
        for (x, y), layout in placed:
            _paint_pdf(canvas, layout, x, y, page[1])
        if sheet:
            _cut_lines(canvas, [at for at, _ in placed], page[1])
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _placed(layouts: Sequence[Layout], sheet: bool) -> Iterable[tuple[tuple[float, float], Layout]]:
    """Each card's top left on its page, in mm from the page's top left."""
    if not sheet:
        yield from (((0.0, 0.0), layout) for layout in layouts)
        return
    left = (A4_W - SHEET_COLUMNS * CARD_W) / 2
    top = (A4_H - SHEET_ROWS * CARD_H) / 2
    for index, layout in enumerate(layouts):
        row, column = divmod(index, SHEET_COLUMNS)
        yield (left + column * CARD_W, top + row * CARD_H), layout


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(PDF_FONT, str(cjk_font_file()), subfontIndex=0))


def _paint_pdf(canvas, layout: Layout, left: float, top: float, page_h: float) -> None:  # type: ignore[no-untyped-def]
    from reportlab.lib.units import mm

    def at(x: float, y: float) -> tuple[float, float]:  # mm from the card's top left -> points from the page's bottom
        return (left + x) * mm, (page_h - top - y) * mm

    for shape in layout.shapes:
        if isinstance(shape, Box):
            canvas.setFillColorRGB(*(c / 255 for c in shape.fill))
            x, y = at(shape.x, shape.y + shape.h)
            canvas.rect(x, y, shape.w * mm, shape.h * mm, stroke=0, fill=1)
        elif isinstance(shape, Text):
            canvas.setFillColorRGB(*(c / 255 for c in shape.color))
            canvas.setFont(PDF_FONT, shape.size * mm)
            canvas.drawString(*at(shape.x, shape.y), shape.text)
        else:
            canvas.setFillColorRGB(0, 0, 0)
            module = shape.size / len(shape.modules)
            for row, dark_row in enumerate(shape.modules):
                for column, dark in enumerate(dark_row):
                    if dark:
                        x, y = at(shape.x + column * module, shape.y + (row + 1) * module)
                        # a hair wider than the module: no white seams between neighbours in a viewer
                        canvas.rect(x, y, module * mm + 0.05, module * mm + 0.05, stroke=0, fill=1)


def _cut_lines(canvas, corners: list[tuple[float, float]], page_h: float) -> None:  # type: ignore[no-untyped-def]
    from reportlab.lib.units import mm

    canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
    canvas.setLineWidth(0.3)
    canvas.setDash(3, 2)
    for x, y in corners:
        canvas.rect(x * mm, (page_h - y - CARD_H) * mm, CARD_W * mm, CARD_H * mm, stroke=1, fill=0)
    canvas.setDash()


# --- what the rest of the shell calls ------------------------------------------------

def card_png(face: CardFace, links: BotLinks, label: Label) -> bytes:
    return png(card_layout(face, links, label))


def cards_pdf(faces: Sequence[CardFace], links: BotLinks, label: Label, title: str = "") -> bytes:
    return pdf([card_layout(face, links, label) for face in faces], title=title)


def qr_png(link: str, caption: str = "") -> bytes:
    return png(qr_layout(link, caption))
