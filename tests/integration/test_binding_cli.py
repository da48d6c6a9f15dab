"""The operator's side of binding people: `lianxin cadre invite --unit`, `cadre unbound` and
`lianxin cards`, on a SQLite file as an office would run them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pypdfium2
import zxingcpp
from PIL import Image

from bot.cli import main
from storage.admin import seed_demo


def office(tmp_path: Path, monkeypatch) -> str:
    for name in [key for key in os.environ if key.startswith("LIANXIN_")]:
        monkeypatch.delenv(name)
    url = f"sqlite:///{tmp_path / 'office.db'}"
    monkeypatch.setenv("LIANXIN_DATABASE_URL", url)
    seed_demo(url)
    return url


def test_invites_for_a_unit_print_a_link_each_and_write_qr_codes(tmp_path: Path, monkeypatch, capsys) -> None:
    office(tmp_path, monkeypatch)
    assert main(["cadre", "unbound", "--unit", "裴李岗村"]) == 0
    assert sorted(capsys.readouterr().out.splitlines()) == ["李建国\t网格员\t裴李岗村第二网格\tno live invite",
                                                            "王丽娟\t网格员\t裴李岗村第一网格\tno live invite"]
    assert main(["cadre", "invite", "--unit", "裴李岗村", "--ttl", "3", "--qr", str(tmp_path / "qr"),
                 "--bot-username", "lianxin_bot"]) == 0
    lines = capsys.readouterr().out.splitlines()
    links = dict(re.match(r"(\S+)\t.*\t(https://t\.me/lianxin_bot\?start=\S+)\tvalid until ", line).groups()
                 for line in lines)
    assert set(links) == {"王丽娟", "李建国"}
    [wang_png] = (tmp_path / "qr").glob("王丽娟-*.png")
    assert [code.text for code in zxingcpp.read_barcodes(Image.open(wang_png))] == [links["王丽娟"]]
    assert main(["cadre", "unbound", "--unit", "裴李岗村"]) == 0
    assert all("invite valid until" in line for line in capsys.readouterr().out.splitlines())


def test_cards_make_a_townships_pdf_and_one_enterprises_png(tmp_path: Path, monkeypatch, capsys) -> None:
    url = office(tmp_path, monkeypatch)
    pdf = tmp_path / "连心卡.pdf"
    assert main(["cards", "新村镇", "--out", str(pdf), "--bot-username", "lianxin_bot"]) == 0
    assert "4 cards of 新村镇" in capsys.readouterr().out
    page = pypdfium2.PdfDocument(pdf)[0]
    assert "润弘制药股份有限公司" in page.get_textpage().get_text_range()
    printed = {code.text for code in zxingcpp.read_barcodes(page.render(scale=4).to_pil())}
    assert len(printed) == 4 and all(link.startswith("https://t.me/lianxin_bot?start=card-") for link in printed)
    code = seed_demo(url).credit_codes["润弘制药股份有限公司"]
    png = tmp_path / "card.png"
    assert main(["cards", "--enterprise", code, "--png", str(png), "--bot-username", "lianxin_bot"]) == 0
    [again] = [c.text for c in zxingcpp.read_barcodes(Image.open(png))]
    assert again in printed, "printing one card again reuses its token"
    assert main(["cards", "新村镇", "--enterprise", code]) == 2
