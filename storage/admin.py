"""Administration used by the CLI: cadre invites and the demo subdistrict."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handlers.domain.credit_code import check_character
from handlers.domain.model import CadreRole, Grant, OrgLevel, Role
from storage.repositories import SqlInvites, SqlRoster
from storage.tables import CadreRow, EnterpriseRow, OrgUnitRow


def _session_of(uow_or_session: object) -> Session:
    if isinstance(uow_or_session, Session):
        return uow_or_session
    session = getattr(uow_or_session, "session", None)
    if isinstance(session, Session):
        return session
    raise TypeError("pass an open SqlUnitOfWork (inside `with`) or a Session")


def create_invite(uow_or_session: object, cadre_id: int, now: datetime, ttl: timedelta) -> str:
    """A fresh one-time invite token for cadre `cadre_id`, valid for `ttl` from `now`.

    The token fits a Telegram deep link (t.me/<bot>?start=<token>). Does not commit:
    call `uow.commit()` (or `session.commit()`) afterwards.
    """
    return SqlInvites(_session_of(uow_or_session)).issue(cadre_id, now, ttl)


# -- demo data ----------------------------------------------------------------

_REGION = "410184"  # 新郑市


def set_admin(uow_or_session: object, cadre_id: int, admin: bool = True, unit: str | None = None,
              now: datetime | None = None) -> tuple[str, str]:
    """Grant (or revoke) the admin role to a cadre on their own org unit, or on the unit named
    `unit`: they administer it and everything below it. Their name and the unit's."""
    session = _session_of(uow_or_session)
    row = session.get(CadreRow, cadre_id)
    if row is None:
        raise LookupError(f"no cadre with id {cadre_id}")
    unit_id = row.org_unit_id if unit is None else _unit_named(session, unit)
    grant = Grant(cadre_id, Role.ADMIN, unit_id)
    roster = SqlRoster(session)
    if admin:
        roster.grant(grant, None, now or datetime.now(UTC))
    else:
        roster.revoke(grant)
    session.flush()
    unit_row = session.get(OrgUnitRow, unit_id)
    assert unit_row is not None
    return row.name, unit_row.name


def _unit_named(session: Session, name: str) -> int:
    ids = list(session.scalars(sa.select(OrgUnitRow.id).where(OrgUnitRow.name == name.strip())))
    if len(ids) != 1:
        raise LookupError(f"{'several org units' if ids else 'no org unit'} named {name!r}")
    return ids[0]


def demo_credit_code(prefix: str, org_code: str) -> str:
    """A credit code for the demo: `prefix` (2) + region + `org_code` (9) + its check character."""
    first17 = prefix + _REGION + org_code
    return first17 + check_character(first17)


_GRID_WORKERS = {  # grid name -> (worker, mobile)
    "裴李岗村第一网格": ("王丽娟", "13837112461"),
    "裴李岗村第二网格": ("李建国", "13937158230"),
    "新村社区第一网格": ("张秀英", "15838207714"),
    "新村社区第二网格": ("刘志强", "18638596042"),
}
_COMMUNITIES = {"裴李岗村": ["裴李岗村第一网格", "裴李岗村第二网格"],
                "新村社区": ["新村社区第一网格", "新村社区第二网格"]}
_DUTY = ("赵主任", "13703712288")
_BUTLER = ("陈晓明", "13525566031")
_SUPERVISOR = ("孙立平", "13903710516")  # 营商环境监督员: receives 举报, outside the handling chain
_DEPARTMENTS = {  # 职能部门 of the district, for 交办 and 会商: unit -> (handler, phone)
    "新郑市自然资源局": ("吴海燕", "13603710231"),
    "国网新郑市供电公司": ("冯志远", "13783520417"),
    "新郑市人力资源和社会保障局": ("郑伟", "15937120968"),
}
# name, (prefix, organisation code), grid (None: outside any grid), 包联 by the butler?, address, phone
_ENTERPRISES = [
    ("润弘制药股份有限公司", ("91", "MA44RH1E0"), "裴李岗村第一网格", True, "新村镇裴李岗路18号", "037162591001"),
    ("郑州华信食品有限公司", ("91", "MA3PUL8N5"), "裴李岗村第二网格", True, "新村镇工业园区6号", "037162592002"),
    ("新郑市宏达机械制造有限公司", ("91", "MA47D9XB2"), "新村社区第一网格", False, "新村镇新华路99号", "13673997003"),
    ("郑州绿源物流有限公司", ("91", "MA9GKT6W3"), "新村社区第二网格", True, "新村镇物流大道3号", "037162594004"),
    ("新郑市佳美服装厂", ("92", "741235689"), None, False, "新村镇107国道东侧", "13598005005"),
]


@dataclass(frozen=True)
class DemoSummary:
    """What `seed_demo` made (or found): ids by name, and the roles that matter for routing."""

    org_units: dict[str, int] = field(default_factory=dict)  # name -> id
    cadres: dict[str, int] = field(default_factory=dict)  # name -> id
    enterprises: dict[str, int] = field(default_factory=dict)  # name -> id
    credit_codes: dict[str, str] = field(default_factory=dict)  # enterprise name -> code
    township_id: int = 0  # 新村镇
    duty_cadre_id: int = 0  # 赵主任, the township's duty cadre
    butler_id: int = 0  # 陈晓明, 服务管家
    grid_workers: dict[str, int] = field(default_factory=dict)  # grid name -> cadre id
    unassigned_enterprise: str = "新郑市宏达机械制造有限公司"  # no 包联: routes to its grid worker
    gridless_enterprise: str = "新郑市佳美服装厂"  # no grid, no 包联: routes to the duty cadre


def _org_unit(session: Session, name: str, level: OrgLevel, parent_id: int | None) -> OrgUnitRow:
    row = session.scalars(
        sa.select(OrgUnitRow).where(
            OrgUnitRow.name == name,
            OrgUnitRow.parent_id.is_(None) if parent_id is None else OrgUnitRow.parent_id == parent_id,
        )
    ).first()
    if row is None:
        row = OrgUnitRow(name=name, level=level.value, parent_id=parent_id)
        session.add(row)
        session.flush()
    return row


def _cadre(session: Session, name: str, role: CadreRole, org_unit_id: int, phone: str) -> CadreRow:
    row = session.scalars(
        sa.select(CadreRow).where(CadreRow.name == name, CadreRow.org_unit_id == org_unit_id)
    ).first()
    if row is None:
        row = CadreRow(name=name, role=role.value, org_unit_id=org_unit_id, phone=phone)
        session.add(row)
        session.flush()
    return row


def seed_into(session: Session) -> DemoSummary:
    """Create whatever part of the demo subdistrict is missing; does not commit."""
    org: dict[str, int] = {}
    cadres: dict[str, int] = {}
    city = _org_unit(session, "郑州市", OrgLevel.CITY, None)
    district = _org_unit(session, "新郑市", OrgLevel.DISTRICT, city.id)
    township = _org_unit(session, "新村镇", OrgLevel.TOWNSHIP, district.id)
    for unit in (city, district, township):
        org[unit.name] = unit.id  # type: ignore[assignment]
    assert township.id is not None

    duty = _cadre(session, _DUTY[0], CadreRole.TOWNSHIP_LEADER, township.id, _DUTY[1])
    if township.duty_cadre_id is None:
        township.duty_cadre_id = duty.id
    # administers the township in the demo: binds its leader group (/bind 新村镇), /admin
    SqlRoster(session).grant(Grant(duty.id, Role.ADMIN, township.id), None, datetime.now(UTC))  # type: ignore[arg-type]
    butler = _cadre(session, _BUTLER[0], CadreRole.BUTLER, township.id, _BUTLER[1])
    butler.phone_public = True  # 服务管家's numbers are published (the seeds' 服务专员): printed on 连心卡
    cadres[duty.name] = duty.id  # type: ignore[assignment]
    cadres[butler.name] = butler.id  # type: ignore[assignment]
    supervisor = _cadre(session, _SUPERVISOR[0], CadreRole.SUPERVISOR, township.id, _SUPERVISOR[1])
    cadres[supervisor.name] = supervisor.id  # type: ignore[assignment]

    for unit_name, (handler, phone) in _DEPARTMENTS.items():
        department = _org_unit(session, unit_name, OrgLevel.DEPARTMENT, district.id)
        assert department.id is not None
        org[department.name] = department.id
        cadres[handler] = _cadre(session, handler, CadreRole.DEPARTMENT, department.id, phone).id  # type: ignore

    grid_workers: dict[str, int] = {}
    for community_name, grids in _COMMUNITIES.items():
        community = _org_unit(session, community_name, OrgLevel.COMMUNITY, township.id)
        org[community.name] = community.id  # type: ignore[assignment]
        for grid_name in grids:
            grid = _org_unit(session, grid_name, OrgLevel.GRID, community.id)
            assert grid.id is not None
            org[grid.name] = grid.id
            worker_name, phone = _GRID_WORKERS[grid_name]
            worker = _cadre(session, worker_name, CadreRole.GRID_WORKER, grid.id, phone)
            cadres[worker.name] = worker.id  # type: ignore[assignment]
            grid_workers[grid_name] = worker.id  # type: ignore[assignment]

    enterprises: dict[str, int] = {}
    codes: dict[str, str] = {}
    for name, (prefix, org_code), grid_name, has_butler, address, phone in _ENTERPRISES:
        code = demo_credit_code(prefix, org_code)
        row = session.scalars(sa.select(EnterpriseRow).where(EnterpriseRow.credit_code == code)).first()
        if row is None:
            row = EnterpriseRow(
                name=name, credit_code=code, address=address, contact_phone=phone,
                grid_id=org[grid_name] if grid_name else None,
                assigned_cadre_id=butler.id if has_butler else None,
            )  # fmt: skip
            session.add(row)
            session.flush()
        enterprises[name] = row.id  # type: ignore[assignment]
        codes[name] = code
    session.flush()
    assert duty.id is not None and butler.id is not None
    return DemoSummary(org, cadres, enterprises, codes, township.id, duty.id, butler.id, grid_workers)


def seed_demo(url: str | sa.URL, *, migrate: bool = True) -> DemoSummary:
    """Seed the demo subdistrict into the database at `url` (migrating it first); idempotent."""
    from storage.db import make_engine, upgrade

    if migrate:
        upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            summary = seed_into(session)
            session.commit()
        return summary
    finally:
        engine.dispose()
