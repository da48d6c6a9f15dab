"""The four kinds of sheet an office imports and their columns.

Headers are matched loosely: case, spaces, underscores, hyphens, a trailing `*` and anything in
brackets are ignored, so "统一社会信用代码（必填）", "Credit code" and "credit_code" are one column.
The first name of each column is the template's header; the others are accepted aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handlers.domain.model import CadreRole, OrgLevel


class Kind(StrEnum):
    UNITS = "units"  # 组织机构: the org tree
    CADRES = "cadres"  # 干部库
    ENTERPRISES = "enterprises"  # 企业库
    BAOLIAN = "baolian"  # 包联: enterprise -> its assigned cadre


@dataclass(frozen=True)
class Column:
    field: str
    names: tuple[str, ...]  # the template's header first, then the aliases
    required: bool = True  # the column must be there, and each row must fill it

    @property
    def header(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class SheetKind:
    kind: Kind
    names: tuple[str, ...]  # sheet (or CSV file) names that say this kind; the template's first
    columns: tuple[Column, ...]
    examples: tuple[tuple[str, ...], ...]  # the template's example rows, in column order

    @property
    def title(self) -> str:
        return self.names[0]

    def column(self, field: str) -> Column:
        return next(column for column in self.columns if column.field == field)


UNITS = SheetKind(Kind.UNITS, ("组织机构", "机构", "组织", "单位", "org units", "units", "org"), (
    Column("name", ("单位名称", "名称", "name", "unit")),
    Column("level", ("层级", "级别", "level")),
    Column("parent", ("上级单位", "上级", "parent"), required=False),  # empty: the top of the tree
    Column("duty", ("值班干部编号", "值班干部", "duty cadre key", "duty cadre", "duty"), required=False),
), (
    ("新郑市", "区县", "", ""),
    ("新村镇", "乡镇", "新郑市", "XC001"),
    ("裴李岗村", "村", "新村镇", ""),
    ("裴李岗村第一网格", "网格", "裴李岗村", ""),
    ("新郑市自然资源局", "部门", "新郑市", ""),
))

CADRES = SheetKind(Kind.CADRES, ("干部", "干部库", "cadres", "staff"), (
    Column("key", ("干部编号", "工号", "编号", "cadre key", "key", "staff number", "staff no"), required=False),
    Column("name", ("姓名", "name")),
    Column("role", ("角色", "职责", "role")),
    Column("unit", ("所属单位", "单位", "unit")),
    Column("phone", ("手机号", "手机", "电话", "phone", "mobile")),
), (
    ("XC001", "赵主任", "乡镇领导", "新村镇", "13703712288"),
    ("XC002", "陈晓明", "服务管家", "新村镇", "13525566031"),
    ("XC003", "王丽娟", "网格员", "裴李岗村第一网格", "13837112461"),
    ("", "吴海燕", "部门经办人", "新郑市自然资源局", "13603710231"),
))

ENTERPRISES = SheetKind(Kind.ENTERPRISES, ("企业", "企业库", "enterprises", "companies"), (
    Column("name", ("企业名称", "名称", "name", "enterprise")),
    Column("credit_code", ("统一社会信用代码", "信用代码", "credit code", "code")),
    Column("address", ("地址", "address"), required=False),
    Column("grid", ("所属网格", "网格", "所属单位", "grid", "unit")),
    Column("contact_phone", ("联系电话", "联系人电话", "contact phone", "phone"), required=False),
), (
    ("润弘制药股份有限公司", "91410184MA44RH1E04", "新村镇裴李岗路18号", "裴李岗村第一网格", "037162591001"),
    ("郑州华信食品有限公司", "91410184MA3PUL8N5K", "新村镇工业园区6号", "裴李岗村第一网格", ""),
))

BAOLIAN = SheetKind(Kind.BAOLIAN, ("包联", "包联关系", "baolian", "assignments"), (
    Column("credit_code", ("统一社会信用代码", "信用代码", "credit code", "code")),
    Column("cadre", ("包联干部编号", "包联干部", "干部编号", "cadre key", "cadre")),
), (
    ("91410184MA44RH1E04", "XC002"),
    ("91410184MA3PUL8N5K", "13603710231"),
))

KINDS: tuple[SheetKind, ...] = (UNITS, CADRES, ENTERPRISES, BAOLIAN)  # also the order they are written in

LEVELS: dict[str, OrgLevel] = {
    **{level.value: level for level in OrgLevel},
    "市": OrgLevel.CITY, "区": OrgLevel.DISTRICT, "县": OrgLevel.DISTRICT, "区县": OrgLevel.DISTRICT,
    "县区": OrgLevel.DISTRICT, "县级市": OrgLevel.DISTRICT, "乡镇": OrgLevel.TOWNSHIP, "乡": OrgLevel.TOWNSHIP,
    "镇": OrgLevel.TOWNSHIP, "街道": OrgLevel.TOWNSHIP, "乡镇街道": OrgLevel.TOWNSHIP, "村": OrgLevel.COMMUNITY,
    "社区": OrgLevel.COMMUNITY, "村社区": OrgLevel.COMMUNITY, "village": OrgLevel.COMMUNITY,
    "网格": OrgLevel.GRID, "部门": OrgLevel.DEPARTMENT, "职能部门": OrgLevel.DEPARTMENT,
}

ROLES: dict[str, CadreRole] = {
    **{role.value: role for role in CadreRole},
    "网格员": CadreRole.GRID_WORKER, "服务管家": CadreRole.BUTLER, "服务专员": CadreRole.BUTLER,
    "部门经办人": CadreRole.DEPARTMENT, "部门": CadreRole.DEPARTMENT, "乡镇领导": CadreRole.TOWNSHIP_LEADER,
    "街道领导": CadreRole.TOWNSHIP_LEADER, "区县领导": CadreRole.DISTRICT_LEADER, "县领导": CadreRole.DISTRICT_LEADER,
    "区领导": CadreRole.DISTRICT_LEADER, "营商环境监督员": CadreRole.SUPERVISOR, "监督员": CadreRole.SUPERVISOR,
    "grid worker": CadreRole.GRID_WORKER, "butler": CadreRole.BUTLER, "department handler": CadreRole.DEPARTMENT,
    "township leader": CadreRole.TOWNSHIP_LEADER, "district leader": CadreRole.DISTRICT_LEADER,
    "supervisor": CadreRole.SUPERVISOR,
}

_NOISE = re.compile(r"[\s_\-*:：]|[(（\[【].*?[)）\]】]")


def squeezed(text: str) -> str:
    """A header, sheet name, level or role as compared: "Credit_Code（必填）" -> "creditcode"."""
    return _NOISE.sub("", text).casefold()


def level_of(text: str) -> OrgLevel | None:
    return _LEVELS.get(squeezed(text))


def role_of(text: str) -> CadreRole | None:
    return _ROLES.get(squeezed(text))


_LEVELS = {squeezed(name): level for name, level in LEVELS.items()}
_ROLES = {squeezed(name): role for name, role in ROLES.items()}
