"""An admin sends the office's spreadsheet to the bot in a private chat (issue 16): /import brings the
template; a sheet reaching outside the admin's part of the tree is refused row by row, nothing
written; the corrected sheet is imported; a cadre who is not an admin is refused in one sentence."""

from __future__ import annotations

import io

import sqlalchemy as sa
import xlsxwriter

from bot.sheets import read_bytes
from storage.admin import demo_credit_code
from storage.tables import CadreRow, EnterpriseRow
from storage.uow import uow_factory
from tests.scenarios.story import bound_cadre

NEW_CODE = demo_credit_code("91", "MA55EEEE5")
SHEETS = {
    "组织机构": [["单位名称", "层级", "上级单位"], ["裴李岗村第三网格", "网格", "裴李岗村"],
                 ["新郑市税务局", "部门", "新郑市"]],  # the district's: above the township's admin
    "干部": [["干部编号", "姓名", "角色", "所属单位", "手机号"], ["XC101", "周建华", "网格员", "裴李岗村第三网格", "13912345678"]],
    "企业": [["企业名称", "统一社会信用代码", "地址", "所属网格", "联系电话"],
             ["新村镇示范机械有限公司", NEW_CODE, "新村镇示范路1号", "裴李岗村第三网格", ""]],
    "包联": [["统一社会信用代码", "包联干部编号"], [NEW_CODE, "XC101"]],
}


def xlsx(sheets: dict[str, list[list[str]]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                sheet.write_string(number, column, value)
    workbook.close()
    return buffer.getvalue()


def baolian_of(database_url: str, code: str) -> str | None:
    factory = uow_factory(database_url)
    try:
        with factory() as uow:
            return uow.session.scalar(sa.select(CadreRow.name).join(EnterpriseRow, EnterpriseRow.assigned_cadre_id
                                                                    == CadreRow.id).where(EnterpriseRow.credit_code == code))
    finally:
        factory.dispose()


async def test_an_admin_imports_a_sheet_in_chat_within_their_part_of_the_tree(botapi, lianxin, database_url):
    admin = await bound_cadre(botapi, database_url, "赵主任", user_id=2009)  # the demo township's admin

    out = await admin.send("/import")
    [template] = [reply for reply in out.replies if reply.document_bytes]
    assert [sheet.name for sheet in read_bytes(template.document_bytes, "导入模板.xlsx")] == ["组织机构", "干部", "企业", "包联"]
    assert "导入模板" in (template.caption or "") + "".join(out.texts)

    out = await admin.send_document(xlsx(SHEETS), "新村镇台账.xlsx")
    text = "\n".join(out.texts)
    assert "未导入任何数据：表格中有 1 处问题" in text
    assert "组织机构，第 3 行：此行涉及您管理范围以外的单位，无权导入。" in text
    assert baolian_of(database_url, NEW_CODE) is None, "nothing written"

    within = {**SHEETS, "组织机构": SHEETS["组织机构"][:2]}
    out = await admin.send_document(xlsx(within), "新村镇台账.xlsx")
    text = "\n".join(out.texts)
    assert "已导入 4 行。" in text and "组织机构：新增 1 个" in text and "包联：新设 1 个" in text
    assert baolian_of(database_url, NEW_CODE) == "周建华"

    out = await admin.send_document(b"%PDF-1.4 not a sheet", "说明.pdf")
    assert out.texts == ["说明.pdf 不是表格文件，请发送 .xlsx 或 .csv 文件（发送 /import 获取模板）。"]


async def test_a_cadre_who_is_not_an_admin_is_refused(botapi, lianxin, database_url):
    butler = await bound_cadre(botapi, database_url, "陈晓明")
    within = {**SHEETS, "组织机构": SHEETS["组织机构"][:2]}
    out = await butler.send_document(xlsx(within), "台账.xlsx")
    assert out.texts == ["只有管理员可以导入组织机构、干部、企业和包联表格，此文件未读取。"]
    out = await butler.send("/import")
    assert out.texts == ["只有管理员可以导入组织机构、干部、企业和包联表格，此文件未读取。"]
    assert baolian_of(database_url, NEW_CODE) is None
