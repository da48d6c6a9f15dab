"""The guidance list of 12 problem classes (问题指导清单) offered as buttons.

Drawn from the problems the seed articles name; the order puts the most
frequently raised (labour, financing, land) first.
"""

from __future__ import annotations

from enum import StrEnum

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
}


def label(category: Category | str) -> Msg:
    return CATEGORY_LABELS[Category(category)]
