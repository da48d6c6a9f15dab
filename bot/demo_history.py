"""Six weeks of the demo district's life, lived by the product itself (issue 15), so the first
/digest, /ledger and 红黑榜 show real figures.

Nothing is inserted behind the core's back: people bind by invite and the leader group by /bind
(through `Lianxin.handle`), tickets move by the use cases a chat calls (handlers.services and
the feature modules: a frozen command and a unit of work), and the clock is walked through the
weeks with the scheduler's jobs run at the moments they would have run (the sweep every hour:
auto-confirmation, 回头看, the 催办 / 督办 / 黑旗 ladder; the 周通报 and 月报告 pushes). So every
history entry is one the product could have written.

What that history would have told people is not written to the outbox: the outbox is a queue
of what is owed to chats now, and these messages were "sent" in weeks nobody watched. Writing
them would flood the page at start; writing them marked sent would record deliveries no chat
holds. The tickets' own histories keep what happened, and the ladder's rungs are on them.

Deterministic (`random.Random(SEED)` for the minutes), relative to the moment it is seeded at
(the demo's first start), and written once: the leader group's binding marks it done.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot import scheduler
from bot.clock import MovableClock
from bot.demo_time import whole_hours
from handlers import assess, complaints, consult, extension, handover, payloads, revisit, services, verdicts
from handlers.app import Lianxin
from handlers.domain.categories import Category
from handlers.domain.model import PARTLY, UNSOLVED, Difficulty, Finding, ReporterKind, Tier
from handlers.rules import Rules
from handlers.seam import GROUP, Incoming
from handlers.turn import Work
from storage.admin import DemoSummary, create_invite, seed_into
from storage.outbox import SqlOutbox
from storage.uow import SqlUnitOfWork, UowFactory

PLATFORM = "telegram"  # bot.telegram_out.TELEGRAM: the demo's people are on its local Telegram
SEED = 15
LEADER_GROUP, LEADER_GROUP_TITLE = -100500, "新村镇领导群"
TOWNSHIP = "新村镇"
SWEEP_HOURS = range(8, 21)  # local hours the history is swept at (the demo itself sweeps round the clock)
BOUND_SINCE = timedelta(days=45)  # the group was bound, and the history begins, this long before the first start


@dataclass(frozen=True)
class Person:
    """Someone in the demo's world: a chat with the bot (user id == private chat id)."""

    user_id: int
    name: str
    role: str = ""  # as the page names them (personas only)
    cadre: str | None = None  # the demo subdistrict's cadre this account is bound to
    persona: bool = False  # the visitor can play them


OWNER, RESIDENT, BUTLER, LAND_OFFICER, LEADER, SUPERVISOR = 1001, 1002, 2001, 2002, 2003, 2004
PEOPLE = (
    Person(OWNER, "王老板", "企业主（润弘制药）", persona=True),
    Person(RESIDENT, "刘桂兰", "居民（新村社区）", persona=True),
    Person(BUTLER, "陈晓明", "包联服务管家（新村镇）", cadre="陈晓明", persona=True),
    Person(LAND_OFFICER, "吴海燕", "职能部门（新郑市自然资源局）", cadre="吴海燕", persona=True),
    Person(LEADER, "赵主任", "镇领导（新村镇）", cadre="赵主任", persona=True),
    Person(SUPERVISOR, "孙立平", "营商环境监督员（新村镇）", cadre="孙立平", persona=True),
    # Everyone else who has written to the bot: other enterprises' owners, residents, cadres.
    Person(1101, "周经理"), Person(1102, "马厂长"), Person(1103, "黄总"), Person(1104, "杨老板"),
    Person(1105, "李大爷"), Person(1106, "孙大姐"), Person(1107, "陈大叔"),
    Person(2005, "冯志远", cadre="冯志远"), Person(2006, "郑伟", cadre="郑伟"),
    Person(2101, "王丽娟", cadre="王丽娟"), Person(2102, "李建国", cadre="李建国"),
    Person(2103, "张秀英", cadre="张秀英"), Person(2104, "刘志强", cadre="刘志强"),
)


def personas() -> list[dict[str, Any]]:
    """Who the visitor can play, in the page's order (the sandbox serves it: /_sim/personas)."""
    people = [{"id": p.user_id, "name": p.name, "role": p.role, "kind": "private"} for p in PEOPLE if p.persona]
    return people + [{"id": LEADER_GROUP, "name": LEADER_GROUP_TITLE, "role": "领导群", "kind": "group",
                      "member": LEADER}]


# -- the unit of work history runs in ----------------------------------------------------------

class _Unowed(SqlOutbox):
    """History's messages are owed to nobody now (see the module's docstring); a sweep's held
    reminder lines still pass through the table within its pass."""

    def put(self, replies: Any, lane: Any) -> None:
        return None


class _HistoryUnitOfWork(SqlUnitOfWork):
    def __enter__(self) -> _HistoryUnitOfWork:
        super().__enter__()
        self.outbox = _Unowed(self.session)
        return self


# -- the calendar the stories are told on ------------------------------------------------------

class Days:
    """Moments before `now` on the office's calendar: stories are told in working days."""

    def __init__(self, now: datetime, rules: Rules, rng: random.Random) -> None:
        self.now, self.tz, self.calendar, self.rng = now, rules.time_zone, rules.calendar, rng
        self.today = now.astimezone(self.tz).date()

    def day(self, n: int) -> date:
        """The n-th working day before today (n ≥ 1)."""
        day = self.today
        while n > 0:
            day -= timedelta(days=1)
            n -= self.calendar.is_working_day(day)
        return day

    def at(self, day: date, hour: int, minute: int = 0, jitter: int = 0) -> datetime:
        """Local `hour:minute` on `day`, give or take up to `jitter` minutes."""
        minute += self.rng.randint(0, jitter) if jitter else 0
        return datetime.combine(day, time(hour), tzinfo=self.tz).astimezone(UTC) + timedelta(minutes=minute)

    def wd(self, n: int, hour: int, minute: int = 0) -> datetime:
        return self.at(self.day(n), hour, minute, jitter=9)

    def received_for(self, due_day: date, working_days: int) -> date:
        """The latest working day before today a ticket must come in on for a `working_days`
        limit to end on `due_day`."""
        day = self.today - timedelta(days=1)
        while not (self.calendar.is_working_day(day) and self.calendar.add_working_days(day, working_days) == due_day):
            day -= timedelta(days=1)
        return day


# -- what happens: actions on the history's tickets --------------------------------------------

Act = Callable[["History", Work], None]


@dataclass
class History:
    """The world the stories act on: accounts by user id, tickets and 举报 by story."""

    core: Lianxin
    uow: Callable[[], SqlUnitOfWork]
    clock: MovableClock
    rules: Rules
    demo: DemoSummary
    locale: str
    accounts: dict[int, int] = field(default_factory=dict)  # user id -> account id
    tickets: dict[str, int] = field(default_factory=dict)  # story -> ticket id
    reporters: dict[str, int] = field(default_factory=dict)  # story -> the reporter's user id
    complaints: dict[str, int] = field(default_factory=dict)  # story -> 举报 id

    def cadre_id(self, name: str) -> int:
        return self.demo.cadres[name]


@dataclass(frozen=True)
class Step:
    at: datetime
    story: str
    act: Act


class Story:
    """One problem's life: `report`, then steps, each at its moment."""

    def __init__(self, key: str, steps: list[Step]) -> None:
        self.key, self.steps = key, steps

    def then(self, at: datetime, act: Callable[[str], Act]) -> Story:
        self.steps.append(Step(at, self.key, act(self.key)))
        return self

    def solved(self, at: datetime, stars: int, said: str = "") -> Story:
        """The reporter confirms (销号), rates, and maybe comments, a minute or two apart."""
        self.then(at, confirm()).then(at + timedelta(minutes=2), rate(stars))
        return self.then(at + timedelta(minutes=4), comment(said)) if said else self


def report(key: str, at: datetime, by: int, category: Category, text: str, phone: str, *,
           enterprise: str | None = None, area: str | None = None) -> Story:
    def act(h: History, work: Work) -> None:
        kind = ReporterKind.ENTERPRISE if enterprise else ReporterKind.RESIDENT
        ticket, _ = services.open_ticket(services.Report(
            by=h.accounts[by], kind=kind, category=category.value, description=text, phone=phone,
            enterprise_id=h.demo.enterprises[enterprise] if enterprise else None,
            area_id=h.demo.org_units[area] if area else None), work)
        assert ticket.id is not None
        h.tickets[key], h.reporters[key] = ticket.id, by
    return Story(key, [Step(at, key, act)])


def _by(who: int, make: Callable[[int, int], object], use_case: Callable[[Any, Work], object]) -> Callable[[str], Act]:
    """An act of person `who` on the story's ticket: `make(ticket_id, account_id)` is the command."""
    def on(key: str) -> Act:
        def act(h: History, work: Work) -> None:
            use_case(make(h.tickets[key], h.accounts[who]), work)
        return act
    return on


def _by_reporter(make: Callable[[int, int], object], use_case: Callable[[Any, Work], object]) -> Callable[[str], Act]:
    def on(key: str) -> Act:
        def act(h: History, work: Work) -> None:
            use_case(make(h.tickets[key], h.accounts[h.reporters[key]]), work)
        return act
    return on


def accept(who: int) -> Callable[[str], Act]:
    return _by(who, lambda t, a: services.Accept(t, a), services.accept)


def resolve(who: int, note: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: services.Resolve(t, a, note), services.resolve)


def ask(who: int, question: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: services.AskReporter(t, a, question), services.ask_reporter)


def answer(text: str) -> Callable[[str], Act]:
    return _by_reporter(lambda t, a: services.AnswerOwner(t, a, text), services.answer_owner)


def confirm() -> Callable[[str], Act]:
    return _by_reporter(lambda t, a: verdicts.Confirm(t, a), verdicts.confirm)


def rate(stars: int) -> Callable[[str], Act]:
    return _by_reporter(lambda t, a: verdicts.Rate(t, a, stars), verdicts.rate)


def comment(text: str) -> Callable[[str], Act]:
    return _by_reporter(lambda t, a: verdicts.Comment(t, a, text), verdicts.comment)


def reopen(verdict: str, reason: str) -> Callable[[str], Act]:
    return _by_reporter(lambda t, a: verdicts.Reopen(t, a, verdict, reason), verdicts.reopen)


def withdraw(reason: str) -> Callable[[str], Act]:
    return _by_reporter(lambda t, a: verdicts.Withdraw(t, a, reason), verdicts.withdraw)


def stayed_solved() -> Callable[[str], Act]:
    return _by_reporter(lambda t, a: revisit.StayedSolved(t, a), revisit.stayed_solved)


def transfer(who: int, to: str, reason: str) -> Callable[[str], Act]:
    def on(key: str) -> Act:
        def act(h: History, work: Work) -> None:
            handover.offer_handover(handover.OfferHandover(h.tickets[key], h.accounts[who], h.cadre_id(to), reason),
                                    work)
        return act
    return on


def escalate(who: int, reason: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: handover.Escalate(t, a, reason), handover.escalate)


def take_over(who: int) -> Callable[[str], Act]:
    return _by(who, lambda t, a: handover.TakeOver(t, a), handover.take_over)


def refuse_handover(who: int, reason: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: handover.RefuseHandover(t, a, reason), handover.refuse_handover)


def send_back(who: int, reason: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: handover.SendBack(t, a, reason), handover.send_back)


def classify(who: int, tier: Tier, difficulty: Difficulty) -> Callable[[str], Act]:
    return _by(who, lambda t, a: assess.Classify(t, a, tier, difficulty), assess.classify)


def consult_with(who: int, co_handler: str, question: str) -> Callable[[str], Act]:
    def on(key: str) -> Act:
        def act(h: History, work: Work) -> None:
            consult.request(consult.AskView(h.tickets[key], h.accounts[who], h.cadre_id(co_handler), question), work)
        return act
    return on


def give_view(who: int, text: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: consult.GiveView(t, a, text), consult.reply)


def ask_more_time(who: int, days: int, reason: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: extension.RequestMoreTime(t, a, days, reason), extension.request)


def approve_more_time(who: int) -> Callable[[str], Act]:
    return _by(who, lambda t, a: extension.ApproveMoreTime(t, a), extension.approve)


def refuse_more_time(who: int, reason: str) -> Callable[[str], Act]:
    return _by(who, lambda t, a: extension.RefuseMoreTime(t, a, reason), extension.refuse)


def complain(text: str) -> Callable[[str], Act]:
    """举报 by the reporter about the handling of their ticket."""
    def on(key: str) -> Act:
        def act(h: History, work: Work) -> None:
            complaints.about_ticket(complaints.ComplainAboutTicket(h.tickets[key], h.accounts[h.reporters[key]], text),
                                    work)
            h.complaints[key] = _complaint_on_the_buttons(work)
        return act
    return on


def find(who: int, finding: Finding, reason: str) -> Callable[[str], Act]:
    def on(key: str) -> Act:
        def act(h: History, work: Work) -> None:
            complaints.find(complaints.Find(h.complaints[key], h.accounts[who], finding, reason), work)
        return act
    return on


def _complaint_on_the_buttons(work: Work) -> int:
    """The 举报 just filed, as the supervisors' finding buttons carry it (a press names it so)."""
    pressed = [payload for reply in work.replies for row in reply.buttons for button in row
               if isinstance(payload := payloads.decode(button.payload), payloads.Finding)]
    return pressed[-1].complaint_id


# -- the stories ----------------------------------------------------------------------------

def stories(d: Days, rules: Rules) -> list[Story]:
    """Every state and flag a ticket can be in, each reached the way the product gets there."""
    C = Category
    tomorrow = d.calendar.add_working_days(d.today, 1)
    settle = rules.policy.settle.general if rules.policy.settle else 5
    red_now = d.received_for(d.day(5), settle)  # due five working days ago: red, black tomorrow
    green_now = d.received_for(tomorrow, settle)  # due tomorrow: red then, black a week later
    confirm_by = d.now - rules.auto_confirm_after + timedelta(hours=4)  # auto-confirmed within hours
    revisit_by = d.now - rules.revisit_after + timedelta(hours=3)  # 回头看 asked within hours
    revisited = d.wd(24, 9, 10)
    return [
        report("rh_labor", d.wd(27, 9, 20), OWNER, C.LABOR, "节后返岗率低，包装车间缺工30人，订单排到下月", "13903712001",
               enterprise="润弘制药股份有限公司")
        .then(d.wd(27, 10, 5), accept(BUTLER))
        .then(d.wd(25, 16, 30), resolve(BUTLER, "已联系人社局办专场招聘会，32人到岗"))
        .solved(revisited, 5, "陈管家跑前跑后，谢谢！")
        .then(revisited + rules.revisit_after + timedelta(hours=22), stayed_solved()),
        report("hx_power", d.wd(22, 14, 10), 1101, C.UTILITIES, "冷库线路老化，每天跳闸两三次，冻品有变质风险",
               "13903712101", enterprise="郑州华信食品有限公司")
        .then(d.wd(22, 14, 40), accept(BUTLER))
        .then(d.wd(22, 15, 0), transfer(BUTLER, "冯志远", "需供电公司改造进线"))
        .then(d.wd(21, 9, 30), take_over(2005))
        .then(d.wd(19, 17, 0), resolve(2005, "已更换进线电缆并加装稳压器，连续三天未跳闸"))
        .solved(d.wd(18, 10, 0), 4),
        report("lv_permit", d.wd(20, 10, 30), 1103, C.LOGISTICS, "城区货车通行证到期，续办要跑三个部门", "13903712103",
               enterprise="郑州绿源物流有限公司")
        .then(d.wd(20, 11, 0), accept(BUTLER))
        .then(d.wd(20, 11, 20), ask(BUTLER, "请提供车辆行驶证和驾驶员名单"))
        .then(d.wd(20, 14, 0), answer("已拍照发您，共8辆车"))
        .then(d.wd(18, 16, 0), resolve(BUTLER, "已协调交警大队集中办理，通行证已发放"))
        .then(d.wd(17, 9, 30), reopen(PARTLY, "只办下来6张，还有2辆冷链车没办"))
        .then(d.wd(15, 15, 0), resolve(BUTLER, "剩余2张已补办到位"))
        .solved(d.wd(15, 17, 0), 3, "第一次没办全，希望下次一次办好"),
        report("rh_land", d.wd(18, 9, 40), OWNER, C.LAND, "新建仓库用地卡在规划许可，已拖两个月", "13903712001",
               enterprise="润弘制药股份有限公司")
        .then(d.wd(18, 10, 20), accept(BUTLER))
        .then(d.wd(18, 10, 40), classify(BUTLER, Tier.C, Difficulty.DIFFICULT))
        .then(d.wd(18, 11, 0), consult_with(BUTLER, "吴海燕", "用地指标能否调剂？"))
        .then(d.wd(17, 16, 0), give_view(LAND_OFFICER, "可走增减挂钩指标，需镇里先出具选址意见"))
        .then(d.wd(16, 9, 30), escalate(BUTLER, "需镇领导协调出具选址意见"))
        .then(d.wd(16, 11, 0), take_over(LEADER))
        .then(d.wd(14, 10, 0), transfer(LEADER, "吴海燕", "选址意见已出，请自然资源局办理指标"))
        .then(d.wd(14, 15, 0), take_over(LAND_OFFICER))
        .then(d.wd(5, 10, 0), ask_more_time(LAND_OFFICER, 10, "指标需报市局审批，预计两周"))
        .then(d.wd(4, 11, 0), approve_more_time(LEADER)),
        report("hd_trees", d.wd(6, 8, 50), 1102, C.SAFETY, "厂区外高压线下树木过高，刮风时碰线打火", "13903712102",
               enterprise="新郑市宏达机械制造有限公司")
        .then(d.wd(6, 9, 10), accept(2103))
        .then(d.wd(5, 17, 30), resolve(2103, "已联系园林队修剪，隐患消除"))
        .solved(d.wd(4, 11, 0), 5),
        report("lv_yard", d.wd(16, 10, 0), 1103, C.LAND, "物流园扩建需临时占地，不知道找谁审批", "13903712103",
               enterprise="郑州绿源物流有限公司")
        .then(d.wd(16, 10, 30), accept(BUTLER))
        .then(d.wd(16, 10, 40), classify(BUTLER, Tier.B, Difficulty.GENERAL))
        .then(d.wd(13, 10, 0), ask_more_time(BUTLER, 5, "需等自然资源局现场踏勘"))
        .then(d.wd(13, 15, 0), refuse_more_time(LEADER, "一般问题不过周，请直接协调自然资源局踏勘"))
        .then(d.wd(12, 9, 0), transfer(BUTLER, "吴海燕", "请协助办理临时用地审批"))
        .then(d.wd(12, 14, 0), refuse_handover(LAND_OFFICER, "临时用地须镇里先出具意见，请先办镇里手续"))
        .then(d.wd(10, 16, 0), resolve(BUTLER, "镇里已出具意见，临时用地手续已办结"))
        .solved(d.wd(9, 9, 0), 4),
        report("jm_rent", d.wd(13, 10, 0), 1104, C.RENT, "房东突然涨租30%，合同还有两年", "13903712104",
               enterprise="新郑市佳美服装厂")
        .then(d.wd(13, 11, 0), transfer(LEADER, "陈晓明", "请服务管家先上门了解"))
        .then(d.wd(13, 14, 0), take_over(BUTLER))
        .then(d.wd(12, 9, 30), send_back(BUTLER, "属租赁合同纠纷，不在包联范围，请镇里统筹"))
        .then(d.wd(12, 10, 30), accept(LEADER))
        .then(d.wd(9, 16, 0), resolve(LEADER, "已组织房东与企业协商，涨幅降为10%"))
        .solved(d.wd(8, 9, 0), 4),
        report("hx_waste", d.wd(11, 9, 0), 1101, C.ENVIRONMENT, "厂区门口垃圾一周没人清运", "13903712101",
               enterprise="郑州华信食品有限公司")
        .then(d.wd(11, 9, 30), accept(BUTLER))
        .then(d.wd(11, 16, 0), resolve(BUTLER, "已协调环卫站每日清运"))
        .then(d.wd(10, 10, 0), reopen(UNSOLVED, "今天又没来收"))
        .then(d.wd(9, 11, 0), resolve(BUTLER, "环卫站已排定每天早7点清运，我已到现场确认"))
        .solved(d.wd(8, 10, 0), 1, "反复了两次才解决"),
        report("pl_water", d.wd(10, 19, 30), 1106, C.UTILITIES, "自来水压力太低，二楼以上白天没水", "13903712106",
               area="裴李岗村第二网格")
        .then(d.wd(7, 10, 0), complain("三天了网格员没回复，电话也不接"))
        .then(d.wd(7, 15, 0), accept(2102))
        .then(d.wd(6, 10, 0), find(SUPERVISOR, Finding.UPHELD, "经核实，网格员未按时回复，已约谈提醒"))
        .then(d.wd(5, 17, 0), resolve(2102, "已更换村里加压泵"))
        .solved(d.wd(4, 9, 0), 2),
        report("pl_lights", d.wd(20, 20, 0), 1105, C.SAFETY, "村口路灯不亮，晚上看不见路", "13903712105",
               area="裴李岗村第一网格")
        .then(d.wd(19, 9, 0), accept(2101))
        .then(d.wd(18, 16, 0), resolve(2101, "已更换路灯灯头")),  # no answer: closed automatically a week on
        report("hx_subsidy", d.wd(8, 10, 0), 1101, C.FINANCING, "想了解技改贴息政策怎么申请", "13903712101",
               enterprise="郑州华信食品有限公司")
        .then(d.wd(8, 15, 0), withdraw("已在网上查到申报指南")),
        report("xc_ditch", d.wd(12, 8, 30), 1107, C.ENVIRONMENT, "小区后面沟渠堵塞，污水漫到路上", "13903712107",
               area="新村社区第二网格"),  # never taken up: 黑旗, climbed the whole ladder
        report("lv_forklift", d.at(red_now, 9, 30), 1103, C.SUPPLIES, "叉车配件断供，两台叉车停用", "13903712103",
               enterprise="郑州绿源物流有限公司")
        .then(d.at(red_now, 10, 0), accept(BUTLER)),  # late: red now, 黑旗 on the next working day
        report("rh_loan", d.at(green_now, 9, 45), OWNER, C.FINANCING, "设备更新贷款申请，银行要求补充担保", "13903712001",
               enterprise="润弘制药股份有限公司")
        .then(d.at(green_now, 10, 15), accept(BUTLER)),  # due tomorrow: green now, red then
        report("hd_eia", confirm_by - timedelta(days=2, hours=3), 1102, C.APPROVALS, "环评验收材料不知道怎么准备",
               "13903712102", enterprise="新郑市宏达机械制造有限公司")
        .then(confirm_by - timedelta(days=2, hours=2), accept(2103))
        .then(confirm_by, resolve(2103, "已请环保分局专人上门指导，材料清单已发")),
        report("xc_stairs", d.wd(3, 18, 0), RESIDENT, C.SAFETY, "楼道灯坏了半个月，老人上下楼不安全", "13903711002",
               area="新村社区第一网格")
        .then(d.wd(2, 9, 0), accept(2103))
        .then(d.wd(1, 15, 0), resolve(2103, "已更换声控灯")),  # waiting for 刘桂兰's verdict
        report("rh_subsidy", revisit_by - timedelta(days=6), OWNER, C.POLICY, "稳岗补贴申报后一直没到账", "13903712001",
               enterprise="润弘制药股份有限公司")
        .then(revisit_by - timedelta(days=6) + timedelta(minutes=30), accept(BUTLER))
        .then(revisit_by - timedelta(days=1), resolve(BUTLER, "已与人社局核对，补贴本周到账"))
        .solved(revisit_by, 5),  # 回头看 due within hours
        report("rh_sewage", d.wd(2, 10, 0), OWNER, C.ENVIRONMENT, "污水站在线监测数据偶尔异常，怕被通报", "13903712001",
               enterprise="润弘制药股份有限公司")
        .then(d.wd(2, 11, 0), accept(BUTLER)),
        report("lv_hiring", d.now - timedelta(minutes=50), 1103, C.LABOR, "双十一后要临时分拣工20人", "13903712103",
               enterprise="郑州绿源物流有限公司"),  # just in: not yet taken up
    ]


# -- the replay -------------------------------------------------------------------------------

def seed_history(factory: UowFactory, rules: Rules, locale: str, now: datetime,
                 timetable: scheduler.Timetable | None = None) -> bool:
    """The demo district's past weeks up to `now`, once; False if it was there already. The
    digests go out on `timetable` (default: the scheduler's)."""
    uow = lambda: _HistoryUnitOfWork(factory.session_factory)  # noqa: E731
    with uow() as unit:
        if unit.groups.binding(PLATFORM, str(LEADER_GROUP)) is not None:
            return False
        demo = seed_into(unit.session)
        unit.commit()
    clock = MovableClock(now - BOUND_SINCE)
    history = History(Lianxin(uow, clock, locale, rules), uow, clock, rules, demo, locale)
    begin = clock.now()
    _people_arrive(history, begin)
    steps = sorted((step for story in stories(Days(now, rules, random.Random(SEED)), rules) for step in story.steps),
                   key=lambda step: step.at)
    triggers = scheduler.digest_triggers(timetable or scheduler.Timetable(str(rules.time_zone)))
    caught_up = begin
    for step in steps:
        if not begin < step.at < now:
            raise ValueError(f"the demo history's {step.story} falls at {step.at}, outside ({begin}, {now})")
        caught_up = _run_jobs(history, triggers, caught_up, step.at)
        with uow() as unit:
            work = Work(uow=unit, now=step.at, rules=rules)
            try:
                step.act(history, work)
            except Exception as e:
                raise RuntimeError(f"{step.story} at {step.at}: {e}") from e
            unit.commit()
    _run_jobs(history, triggers, caught_up, now)
    return True


def _people_arrive(h: History, at: datetime) -> None:
    """Everyone writes to the bot once; cadres open their invite links; 赵主任 binds the leader group."""
    h.clock.set(at)
    for n, person in enumerate(PEOPLE):
        incoming = Incoming(PLATFORM, str(person.user_id), str(person.user_id), f"history-{person.user_id}",
                            "zh-hans", person.name)
        if person.cadre is not None:
            with h.uow() as unit:
                token = create_invite(unit, h.cadre_id(person.cadre), at, timedelta(days=1))
                unit.commit()
            h.core.handle(_replace(incoming, command="start", args=token, text=f"/start {token}"))
        with h.uow() as unit:
            account = unit.accounts.get_or_create(PLATFORM, str(person.user_id), str(person.user_id), h.locale,
                                                  person.name)
            unit.commit()
        h.accounts[person.user_id] = account.id
    h.core.handle(Incoming(PLATFORM, str(LEADER_GROUP), str(LEADER), "history-bind", "zh-hans", "赵主任",
                           text=f"/bind {TOWNSHIP}", command="bind", args=TOWNSHIP, chat_kind=GROUP,
                           chat_title=LEADER_GROUP_TITLE))


def _replace(incoming: Incoming, **changes: Any) -> Incoming:
    return dataclasses.replace(incoming, **changes)


def _run_jobs(h: History, triggers: dict[str, Any], since: datetime, until: datetime) -> datetime:
    """The scheduler's jobs at each moment in (since, until] they would have run: the digest
    pushes, and the sweep every hour of the day (SWEEP_HOURS: what comes due at night is done at
    8, so the start stays quick; the ladder's rungs fall in office hours anyway)."""
    digests: dict[datetime, list[bool]] = defaultdict(list)  # moment -> monthly? of each push due then
    for job, trigger in triggers.items():
        for fire in scheduler.fires_between(trigger, since, until):
            digests[fire.astimezone(UTC)].append(job == "monthly_digest")
    sweeps = [hour for hour in whole_hours(since, until) if hour.astimezone(h.rules.time_zone).hour in SWEEP_HOURS]
    for moment in sorted({*sweeps, *digests}):
        h.clock.set(moment)
        h.core.sweep()
        for monthly in digests.get(moment, []):
            h.core.push_digests(monthly, moment)
    return until
