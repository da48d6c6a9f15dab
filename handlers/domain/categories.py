"""The guidance list of 12 problem classes (问题指导清单) offered as buttons, and 其他.

Drawn from the problems the seed articles name; the order puts the most
frequently raised (labour, financing, land) first. Residents are offered only the
classes a household meets (no financing, land or rent); everyone gets 其他 (other),
so no problem is left without a class to file it under.
"""

from __future__ import annotations

from enum import StrEnum

from handlers.domain.model import ReporterKind
from handlers.messages import Msg, t


class Category(StrEnum):
    LABOR = "labor"  # 用工 / 返岗
    FINANCING = "financing"  # 融资
    LAND = "land"  # 用地
    UTILITIES = "utilities"  # 水电气暖
    APPROVALS = "approvals"  # 审批手续
    LOGISTICS = "logistics"  # 物流通行
    SUPPLIES = "supplies"  # 原材料供应
    RENT = "rent"  # 房租
    ENVIRONMENT = "environment"  # 环保与垃圾清运
    SAFETY = "safety"  # 安全隐患
    POLICY = "policy"  # 政策兑现
    LEGAL = "legal"  # 法律纠纷
    OTHER = "other"  # 其他: none of the above


# 无事不扰 yields to these: their notices reach cadres at any hour.
URGENT_CATEGORIES: frozenset[str] = frozenset({Category.SAFETY})

CATEGORY_LABELS: dict[Category, Msg] = {
    Category.LABOR: t("Labour & hiring"),
    Category.FINANCING: t("Financing"),
    Category.LAND: t("Land use"),
    Category.UTILITIES: t("Water, power, gas, heat"),
    Category.APPROVALS: t("Approvals & licences"),
    Category.LOGISTICS: t("Logistics & permits"),
    Category.SUPPLIES: t("Raw materials"),
    Category.RENT: t("Rent"),
    Category.ENVIRONMENT: t("Environment & waste"),
    Category.SAFETY: t("Safety hazard"),
    Category.POLICY: t("Policy & subsidies"),
    Category.LEGAL: t("Legal dispute"),
    Category.OTHER: t("Other"),
}

# The classes a resident (联乡帮村) meets; the rest are an enterprise's.
RESIDENT_CATEGORIES: tuple[Category, ...] = (Category.UTILITIES, Category.ENVIRONMENT, Category.SAFETY,
                                             Category.POLICY, Category.LEGAL, Category.OTHER)


def offered_to(kind: ReporterKind | str) -> tuple[Category, ...]:
    """The classes offered to a reporter of this kind, in order."""
    return RESIDENT_CATEGORIES if kind == ReporterKind.RESIDENT else tuple(Category)


def label(category: Category | str) -> Msg:
    return CATEGORY_LABELS[Category(category)]
