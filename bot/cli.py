"""The ``lianxin`` command.

    lianxin run                  run the bot (no LIANXIN_BOT_TOKEN: the local demo)
    lianxin run --workers 4      four processes on one webhook port (PostgreSQL; docs/deploy.md)
    lianxin db upgrade           migrate the database to the newest schema
    lianxin demo seed            add the demo subdistrict (idempotent)
    lianxin cadre invite ID      print a one-time invite link for cadre ID
    lianxin cadre invite --unit 新村镇 [--ttl 7] [--qr DIR]
                                 a fresh invite for every cadre of the unit and below not bound yet
                                 (links printed; with --qr one QR code PNG each in DIR)
    lianxin cadre unbound --unit 新村镇  who has not bound yet, and whether a live invite waits
    lianxin cards 新村镇 [--out FILE.pdf]  助企连心卡 of every enterprise of the township, ten to an A4 page
    lianxin cards --enterprise CODE --png FILE  one enterprise's card as a picture
    lianxin cadre admin ID [--unit 新村镇] [--off]
                                 grant cadre ID the admin role on their own unit (or --unit): they
                                 administer it and below in chat (/admin, /bind); --off revokes it
    lianxin cadre erase ID       a departed cadre's personal data: name replaced by "已离任干部 #ID",
                                 phone cleared, chat unbound (refused while tickets still reach them)
    lianxin ledger export --unit 城关街道 [--out FILE] [--locale zh_CN]
                                 write the unit's 问题台账 (.xlsx)
    lianxin import FILE.xlsx [FILE.csv …] [--locale en]
                                 load org units, cadres, enterprises and 包联 (docs/import.md):
                                 every bad row listed and nothing written, or all of it
    lianxin import --template FILE.xlsx   write the template to fill in
    lianxin calendar load FILE   check a year's official holiday list and recount the open
                                 tickets whose deadlines were provisional without it
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from bot.settings import Settings

if TYPE_CHECKING:
    from handlers.imports.rows import RawSheet
    from sandbox.botapi import LocalBotApi
    from storage.admin import DemoSummary

log = logging.getLogger("lianxin")

DEMO_TOKEN = "7000000001:LianxinDemoTokenForTheLocalBotApiOnly"
DEMO_BOT_USERNAME = "lianxin_demo_bot"
DEMO_BOT_NAME = "连心桥"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.verbose:
        for noisy in ("httpx", "alembic", "aiogram.event"):  # a line per Bot API call, migration step, update
            logging.getLogger(noisy).setLevel(logging.WARNING)
    return args.func(args, Settings()) or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lianxin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot; without a token, the local demo")
    run.add_argument("--workers", type=int, default=1,
                     help="worker processes sharing the webhook port (needs a webhook and PostgreSQL; docs/deploy.md)")
    run.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # one of --workers' children
    run.set_defaults(func=cmd_run)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(metavar="ACTION")
    db.add_parser("upgrade", help="migrate to the newest schema").set_defaults(func=cmd_db_upgrade)

    demo = commands.add_parser("demo", help="demo data").add_subparsers(metavar="ACTION")
    demo.add_parser("seed", help="add the demo subdistrict (idempotent)").set_defaults(func=cmd_demo_seed)

    cadre = commands.add_parser("cadre", help="cadres").add_subparsers(metavar="ACTION")
    invite = cadre.add_parser("invite", help="print one-time invite links: for a cadre, or a unit's unbound cadres")
    invite.add_argument("cadre_id", type=int, nargs="?")
    invite.add_argument("--unit", help="every cadre of this unit (name or id) and below who has not bound yet")
    invite.add_argument("--days", "--ttl", dest="days", type=int, default=7,
                        help="how many days the links stay valid (default 7)")
    invite.add_argument("--qr", type=Path, metavar="DIR", help="with --unit: also write a QR code PNG per cadre here")
    invite.add_argument("--bot-username", help="the bot's @username (default: ask the Bot API)")
    invite.set_defaults(func=cmd_cadre_invite)
    unbound = cadre.add_parser("unbound", help="the cadres of a unit and below who have not bound their chat yet")
    unbound.add_argument("--unit", required=True, help="org unit name or id")
    unbound.set_defaults(func=cmd_cadre_unbound)
    admin = cadre.add_parser("admin", help="grant a cadre the admin role on their unit (/admin, /bind there and below)")
    admin.add_argument("cadre_id", type=int)
    admin.add_argument("--unit", help="the org unit to administer (default: the cadre's own)")
    admin.add_argument("--off", action="store_true", help="revoke the role on that unit")
    admin.set_defaults(func=cmd_cadre_admin)
    erase = cadre.add_parser("erase", help="erase a departed cadre's personal data (docs/privacy.md)")
    erase.add_argument("cadre_id", type=int)
    erase.set_defaults(func=cmd_cadre_erase)

    cards = commands.add_parser("cards", help="助企连心卡: print the enterprises' contact cards")
    cards.add_argument("unit", nargs="?", help="a township (or any unit): a PDF of every enterprise's card under it")
    cards.add_argument("--out", type=Path, help="the PDF to write (default: 连心卡-<unit>.pdf here)")
    cards.add_argument("--enterprise", metavar="CODE", help="one enterprise, by its credit code")
    cards.add_argument("--png", type=Path, metavar="FILE", help="with --enterprise: the card as a PNG")
    cards.add_argument("--locale", help="language of the card (default: LIANXIN_DEFAULT_LOCALE)")
    cards.add_argument("--bot-username", help="the bot's @username (default: ask the Bot API)")
    cards.set_defaults(func=cmd_cards)

    ledger = commands.add_parser("ledger", help="问题台账").add_subparsers(metavar="ACTION")
    export = ledger.add_parser("export", help="write a unit's problem ledger (.xlsx), its whole subtree")
    export.add_argument("--unit", required=True, help="org unit name or id")
    export.add_argument("--out", type=Path, help="file to write (default: 台账-<unit>-<date>.xlsx here)")
    export.add_argument("--locale", help="language of the labels (default: LIANXIN_DEFAULT_LOCALE)")
    export.set_defaults(func=cmd_ledger_export)

    imports = commands.add_parser("import", help="load org units, cadres, enterprises and 包联 from .xlsx/.csv "
                                  "(docs/import.md); nothing is written unless every row is right")
    imports.add_argument("files", nargs="*", type=Path, metavar="FILE",
                         help=".xlsx (a sheet per kind) or .csv (one kind each: told by its name or its headers)")
    imports.add_argument("--template", type=Path, metavar="FILE", help="write the template to FILE (.xlsx) and stop")
    imports.add_argument("--locale", help="language of the report (default: LIANXIN_DEFAULT_LOCALE)")
    imports.set_defaults(func=cmd_import)

    calendar = commands.add_parser("calendar", help="official holiday lists").add_subparsers(metavar="ACTION")
    load = calendar.add_parser("load", help="check a year list (JSON, docs/deadlines.md) and recount provisional "
                                            "deadlines on it")
    load.add_argument("file", type=Path)
    load.set_defaults(func=cmd_calendar_load)
    return parser


# -- commands ---------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import upgrade

    upgrade(settings.database_url)
    print(f"database at the newest schema: {_safe_url(settings.database_url)}")
    return 0


def cmd_demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    from storage.admin import seed_demo
    from storage.db import upgrade

    upgrade(settings.database_url)
    seed_demo(settings.database_url)
    print(f"demo data in {_safe_url(settings.database_url)}")
    return 0


def cmd_cadre_invite(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import upgrade

    if (args.cadre_id is None) == (args.unit is None):
        print("lianxin: give a cadre's id or --unit, one of them", file=sys.stderr)
        return 2
    if args.days <= 0:
        print("lianxin: --ttl must be a positive number of days", file=sys.stderr)
        return 2
    upgrade(settings.database_url)  # as `run` does: an invite needs the cadre tables
    if args.unit is not None:
        return _invite_unit(args, settings)
    try:
        token = _create_invite(settings, args.cadre_id, timedelta(days=args.days))
    except LookupError as exc:
        print(f"lianxin: {exc} in {_safe_url(settings.database_url)}", file=sys.stderr)
        return 1
    username = args.bot_username or _bot_username(settings)
    if username:
        print(f"https://t.me/{username.lstrip('@')}?start={token}")
    else:
        print(f"/start {token}")
    return 0


def _invite_unit(args: argparse.Namespace, settings: Settings) -> int:
    """Fresh invites for the unit's unbound cadres: a line each (name, role, unit, link, expiry),
    and with --qr a PNG each, named by name and id."""
    from bot import cards
    from bot.links import BotLinks
    from handlers.invites import issue_invites, local

    links = BotLinks(_username_or_demo(args, settings))
    with _work(settings) as (work, translator):
        unit = _one_unit(work, args.unit)
        if unit is None:
            return 2
        issued = issue_invites(work, unit, timedelta(days=args.days))
        work.uow.commit()
        until = local(work, work.now + timedelta(days=args.days))
    if args.qr is not None:
        args.qr.mkdir(parents=True, exist_ok=True)
    for person, token in issued:
        cadre, link = person.cadre, links.start(token)
        role = translator.render(_role(cadre), settings.default_locale)
        print(f"{cadre.name}\t{role}\t{person.unit_name}\t{link}\tvalid until {until}")
        if args.qr is not None:
            (args.qr / f"{cadre.name}-{cadre.id}.png").write_bytes(cards.qr_png(link, cadre.name))
    where = f"; QR codes in {args.qr}" if args.qr is not None and issued else ""
    print(f"{len(issued)} invites for {unit.name} and below, each usable once{where}", file=sys.stderr)
    return 0


def cmd_cadre_unbound(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.invites import local

    with _work(settings) as (work, translator):
        unit = _one_unit(work, args.unit)
        if unit is None:
            return 2
        waiting = work.uow.invites.unbound_under(unit.id, work.now)
        for person in waiting:
            cadre = person.cadre
            invite = (f"invite valid until {local(work, person.invite_expires_at)}" if person.invite_expires_at
                      else "no live invite")
            print(f"{cadre.name}\t{translator.render(_role(cadre), settings.default_locale)}\t{person.unit_name}"
                  f"\t{invite}")
    print(f"{len(waiting)} cadres of {unit.name} and below have not bound yet", file=sys.stderr)
    return 0


def cmd_cards(args: argparse.Namespace, settings: Settings) -> int:
    """助企连心卡: a township's PDF, or one enterprise's card as a PNG. Printing again reuses
    each card's token and code, so cards already handed out keep working."""
    from bot import cards
    from bot.links import BotLinks
    from handlers.contact_cards import face, faces_under

    if (args.unit is None) == (args.enterprise is None) or (args.enterprise is not None) != (args.png is not None):
        print("lianxin: give a unit (lianxin cards 新村镇 [--out FILE.pdf]) or --enterprise CODE --png FILE",
              file=sys.stderr)
        return 2
    from storage.db import upgrade

    upgrade(settings.database_url)
    links = BotLinks(_username_or_demo(args, settings))
    locale = args.locale or settings.default_locale
    with _work(settings) as (work, translator):
        def label(msg):  # type: ignore[no-untyped-def]
            return translator.render(msg, locale)

        if args.enterprise is not None:
            enterprise = work.uow.directory.enterprise_by_code(args.enterprise.strip().upper())
            if enterprise is None:
                print(f"lianxin: no enterprise with the credit code {args.enterprise}", file=sys.stderr)
                return 1
            card = face(work, enterprise)
            work.uow.commit()
            args.png.write_bytes(cards.card_png(card, links, label))
            print(f"{args.png}: 助企连心卡 of {enterprise.name}")
            return 0
        unit = _one_unit(work, args.unit)
        if unit is None:
            return 2
        faces = faces_under(work, unit)
        work.uow.commit()
        out = args.out or Path(f"连心卡-{unit.name}.pdf")
        out.write_bytes(cards.cards_pdf(faces, links, label, title=f"助企连心卡 {unit.name}"))
    print(f"{out}: {len(faces)} cards of {unit.name}, {cards.SHEET_COLUMNS * cards.SHEET_ROWS} to an A4 page")
    return 0


def cmd_cadre_admin(args: argparse.Namespace, settings: Settings) -> int:
    from storage.admin import set_admin
    from storage.db import upgrade
    from storage.uow import uow_factory

    upgrade(settings.database_url)
    factory = uow_factory(settings.database_url)
    try:
        with factory() as uow:
            name, unit = set_admin(uow, args.cadre_id, admin=not args.off, unit=args.unit)
            uow.commit()
    except LookupError as exc:
        print(f"lianxin: {exc} in {_safe_url(settings.database_url)}", file=sys.stderr)
        return 1
    finally:
        factory.dispose()
    print(f"{name} {'no longer administers' if args.off else 'now administers'} {unit} and the units below it "
          "(/admin, /bind)")
    return 0


def cmd_cadre_erase(args: argparse.Namespace, settings: Settings) -> int:
    """The cadre's name replaced by a placeholder kept for history, phone cleared, chat unbound."""
    from bot.bootstrap import build_rules, build_translator
    from handlers.app import Lianxin, SystemClock
    from handlers.domain.errors import DomainError
    from storage.db import upgrade
    from storage.uow import uow_factory

    upgrade(settings.database_url)
    factory = uow_factory(settings.database_url)
    try:
        placeholder = Lianxin(factory, SystemClock(), settings.default_locale, build_rules(settings)).erase_cadre(
            args.cadre_id)
    except DomainError as refused:
        print(f"lianxin: {build_translator(settings).render(refused.reason, settings.default_locale)}", file=sys.stderr)
        return 1
    finally:
        factory.dispose()
    print(f"cadre {args.cadre_id}'s personal data erased: now named {placeholder}, no phone, no chat")
    return 0


def cmd_ledger_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bootstrap import build_rules, build_translator
    from bot.ledger import ledger_filename, write_ledger
    from storage.ledger import find_units
    from storage.uow import uow_factory

    factory = uow_factory(settings.database_url)
    try:
        with factory.session_factory() as session:
            units = find_units(session, args.unit.strip())
        if len(units) != 1:
            found = ", ".join(f"{name} (id {unit_id})" for unit_id, name in units)
            print(f"lianxin: several org units are named {args.unit!r}: {found}; give the id" if units
                  else f"lianxin: no org unit named or numbered {args.unit!r}", file=sys.stderr)
            return 2
        unit = units[0]
        rules, translator = build_rules(settings), build_translator(settings)
        locale = args.locale or settings.default_locale
        now = datetime.now(UTC)
        out = args.out or Path(ledger_filename(translator, locale, unit[1], now.astimezone(rules.time_zone).date()))
        summary = write_ledger(factory.session_factory, unit[0], now, rules, translator, locale, out)
    finally:
        factory.dispose()
    print(f"{out}: {summary.rows} problems ({summary.confirmed} 销号), {summary.events} history rows")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    """Read every file (a progress bar per sheet), check every row, write all or nothing."""
    from bot.bootstrap import build_core, build_translator
    from bot.sheets import write_template
    from handlers.imports.report import report
    from handlers.imports.rows import UnreadableSheet
    from storage.db import upgrade

    if args.template is not None:
        write_template(args.template)
        print(f"{args.template}: the import template (docs/import.md says what goes in each column)")
        return 0
    if not args.files:
        print("lianxin import: give the files to import (or --template FILE)", file=sys.stderr)
        return 2
    try:
        sheets = [sheet for path in args.files for sheet in _progress_sheets(path)]
    except (OSError, UnreadableSheet) as exc:
        print(f"lianxin import: {exc}", file=sys.stderr)
        return 1
    upgrade(settings.database_url)
    core = build_core(settings)
    try:
        outcome = core.import_sheets(sheets)
    except UnreadableSheet as exc:
        print(f"lianxin import: {exc}", file=sys.stderr)
        return 1
    finally:
        core.dispose()
    print(build_translator(settings).render(report(outcome), args.locale or settings.default_locale))
    return 0 if outcome.written else 1


def _progress_sheets(path: Path) -> list[RawSheet]:
    """The file's sheets, each row counted on a progress bar (stderr) as the import reads it."""
    from tqdm import tqdm

    from bot.sheets import counted, read_file, sheet_heights
    from handlers.imports.rows import RawSheet

    heights = sheet_heights(path)

    def rows(sheet: RawSheet):  # type: ignore[no-untyped-def]
        with tqdm(total=heights.get(sheet.name), desc=f"{path.name} · {sheet.name}", unit=" rows",
                  file=sys.stderr, disable=None) as bar:
            yield from counted(sheet.rows, bar.update)
    return [RawSheet(sheet.name, rows(sheet)) for sheet in read_file(path)]


def cmd_calendar_load(args: argparse.Namespace, settings: Settings) -> int:
    """Check FILE; recount, on the calendar with it, every open ticket counted provisionally."""
    from dataclasses import replace

    from bot.bootstrap import build_rules, year_lists
    from handlers.app import Lianxin, SystemClock
    from handlers.domain.calendar import WorkCalendar, YearListInvalid, parse_year_lists
    from storage.db import upgrade
    from storage.uow import uow_factory

    try:
        loaded = parse_year_lists(args.file.read_text(encoding="utf-8"))
    except (OSError, YearListInvalid) as exc:
        print(f"lianxin: {args.file}: {exc}", file=sys.stderr)
        return 1
    rules = build_rules(settings)
    rules = replace(rules, calendar=WorkCalendar(year_lists(settings) | loaded))
    upgrade(settings.database_url)
    factory = uow_factory(settings.database_url)
    try:
        recounted = Lianxin(factory, SystemClock(), settings.default_locale, rules).recount_deadlines()
    finally:
        factory.dispose()
    years = ", ".join(str(year) for year in sorted(loaded))
    print(f"{years}: official list read from {args.file}; {len(recounted)} open tickets recounted"
          + (f": {' '.join(recounted)}" if recounted else ""))
    print(f"Now point LIANXIN_HOLIDAY_LISTS at {args.file} (one file may hold several years) and restart the bot, "
          "so new deadlines count on it too; at start it recounts any it counted provisionally meanwhile.")
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.token is None:
        return _run_demo(settings)
    if args.workers > 1:
        return _run_workers(args.workers, settings)
    from bot import bootstrap, collector

    collector.pause()  # start-up makes what lives as long as the process: nothing to collect (bot/collector.py)
    from storage.db import upgrade

    if not args.worker:  # --workers' parent did this once for all of them
        upgrade(settings.database_url)
    core = bootstrap.build_core(settings)
    if not args.worker and (recounted := core.recount_deadlines()):  # years loaded since the last start
        log.info("deadlines recounted on the official holiday lists: %s", " ".join(recounted))
    adapter = bootstrap.build_adapter(settings, bootstrap.build_runtime(settings, core))
    mode = f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"
    log.info("Lianxin (%s) running against %s (%s)", settings.framework, settings.api_url, mode)
    collector.resume()
    adapter.run()
    return 0


def _run_workers(count: int, settings: Settings) -> int:
    """`count` processes of `run`, all listening on the webhook's port (SO_REUSEPORT: the kernel
    spreads connections over them); the first to end takes the others with it."""
    import os
    import subprocess

    if not settings.webhook_url:
        print("lianxin: --workers needs a webhook (LIANXIN_WEBHOOK_URL, LIANXIN_WEBHOOK_SECRET): "
              "long polling is one process", file=sys.stderr)
        return 2
    if settings.database_url.startswith("sqlite"):
        print("lianxin: --workers needs PostgreSQL (LIANXIN_DATABASE_URL=postgresql+psycopg://…): "
              "SQLite serves one process", file=sys.stderr)
        return 2
    from bot.bootstrap import build_rules
    from handlers.app import Lianxin, SystemClock
    from storage.db import upgrade
    from storage.uow import uow_factory

    upgrade(settings.database_url)  # once, before any worker needs the schema
    factory = uow_factory(settings.database_url)
    try:
        recounted = Lianxin(factory, SystemClock(), settings.default_locale, build_rules(settings)).recount_deadlines()
    finally:
        factory.dispose()
    if recounted:
        log.info("deadlines recounted on the official holiday lists: %s", " ".join(recounted))
    env = {**os.environ, "LIANXIN_WEBHOOK_REUSE_PORT": "true"}
    children = [subprocess.Popen([sys.executable, "-m", "bot.cli", "run", "--worker"], env=env)
                for _ in range(count)]
    log.info("%d workers on %s:%d", count, settings.webhook_listen, settings.webhook_port)

    asked_to_stop = False

    def stop_all(signum: int, _frame: object) -> None:
        nonlocal asked_to_stop
        if asked_to_stop:
            return  # a second SIGTERM could reach a child after its loop let go of its handler
        asked_to_stop = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_all)
    pid, status = os.wait()  # the first child to end: asked to, or not
    stop_all(signal.SIGTERM, None)
    codes = [os.waitstatus_to_exitcode(status) if child.pid == pid else child.wait() for child in children]
    # A child stopped before it could install its own handler ends by the signal itself: as asked.
    return next((code for code in codes if code not in (0, -signal.SIGTERM)), 0)


# -- the demo -----------------------------------------------------------------

class DemoPortBusy(Exception):
    """The demo's port is taken: said in one line, not a traceback."""


def _run_demo(settings: Settings) -> int:
    try:
        asyncio.run(_demo(settings))
    except KeyboardInterrupt:
        pass
    except DemoPortBusy as busy:
        print(busy, file=sys.stderr)
        return 1
    return 0


def _demo_world_file(database_url: str) -> Path:
    """Where the demo's Bot API server keeps its world: beside a SQLite database, else in the
    current folder."""
    from sqlalchemy import make_url

    database = make_url(database_url).database if database_url.startswith("sqlite") else None
    if database and database != ":memory:":
        return Path(database).with_suffix(".botapi.json")
    return Path("lianxin-demo.botapi.json").resolve()


async def _demo(settings: Settings) -> None:
    from bot import bootstrap
    from bot.demo_time import DemoTime, load_clock
    from bot.runtime import WhenDone
    from sandbox.botapi import LocalBotApi

    # 无事不扰 off: whoever tries the demo at night should still see the cadre's side work.
    demo = settings.model_copy(update={"bot_token": SecretStr(DEMO_TOKEN), "webhook_url": None, "quiet_hours": False})
    # The demo's time can be moved from the page (bot/demo_time.py); where it was moved to is kept beside its data.
    world_file = _demo_world_file(settings.database_url)
    clock_file = world_file.with_name(world_file.name.replace(".botapi.json", ".clock.json"))
    clock = load_clock(clock_file)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stopping.set)

    # The sandbox keeps its chats, message and update ids beside the demo's data, so a restarted
    # demo can still deliver what it owes people who have not written since (sandbox/botapi/persist.py).
    server = LocalBotApi("127.0.0.1", settings.demo_port, state_file=_demo_world_file(settings.database_url))
    bot = server.add_bot(DEMO_TOKEN, DEMO_BOT_USERNAME, DEMO_BOT_NAME)
    # The core drops an update_id it has seen: a demo database older than the sandbox's file
    # must not see the same ids again.
    bot.queue.next_update_id = max(bot.queue.next_update_id, int(time.time()))
    try:
        await server.start()
    except OSError as error:
        raise DemoPortBusy(f"lianxin: cannot serve the demo on 127.0.0.1:{settings.demo_port} ({error.strerror}); "
                           "another demo may be running. Set LIANXIN_DEMO_PORT to a free port.") from error
    print(f"连心桥演示页面 Lianxin demo page: {server.url}/", flush=True)  # first, above the bot's logs
    try:
        demo_data, seeded = await asyncio.to_thread(_seed_demo, demo, clock.now())
    except BaseException:
        await server.stop()
        raise
    code = demo_data.credit_codes["润弘制药股份有限公司"]
    _meet_the_district(server)
    adapter = demo_time = None
    try:
        demo = demo.model_copy(update={"bot_api_url": server.url})
        # No APScheduler here: the demo's timed jobs run on its movable clock (bot/demo_time.py).
        runtime = bootstrap.build_runtime(demo, bootstrap.build_core(demo, clock), clock=clock, scheduled=False)
        bot.done = WhenDone(runtime)  # the server answers /_sim actions once the bot has, not on a guess
        adapter = bootstrap.build_adapter(demo, runtime)
        await adapter.start()
        demo_time = DemoTime(clock, runtime, keep=clock_file)
        await demo_time.start()
        server.clock = demo_time  # POST /_sim/clock {"advance": "1h" | "1wd" | "next_monday_0900"}
        url = server.url
        print(f"""
Open the demo page: {url}/  (every role side by side, in your browser)
Lianxin demo is running (no LIANXIN_BOT_TOKEN set), data in {_safe_url(settings.database_url)}.
Local Bot API server: {url}  (bot @{DEMO_BOT_USERNAME})
{"Seeded" if seeded else "Kept"}: six weeks of 新村镇's history; the demo's clock reads {(await demo_time.now()):%Y-%m-%d %H:%M}.

Chat with the bot as a business owner (try /start, then credit code {code}):
    {sys.executable} -m sandbox.chat --url {url} --user 1001
and, in another terminal, as the butler 陈晓明 who gets 润弘制药's tickets (already bound; try /my):
    {sys.executable} -m sandbox.chat --url {url} --user 2001
Others to play: {", ".join(f"{p['name']} {p['role']} ({p['id']})" for p in server.personas)}.
Move the demo's time (the bot's reminders, 回头看 and Monday digest follow):
    curl -s -X POST {url}/_sim/clock -H 'Content-Type: application/json' -d '{{"advance": "1wd"}}'
or over HTTP:
    curl -s -X POST {url}/_sim/users/1001/send -H 'Content-Type: application/json' -d '{{"text": "/start"}}'

Stop with Ctrl-C.
Lianxin demo ready on {url}""", flush=True)
        await stopping.wait()
        print("stopping…", flush=True)
    finally:
        server.clock = None
        if demo_time is not None:
            await demo_time.stop()
        if adapter is not None:
            await adapter.stop()
        await server.stop()


def _meet_the_district(server: LocalBotApi) -> None:
    """The sandbox knows the demo's people (once its saved world is loaded): everyone in the district's
    history has written to the bot before, so it may message them; the leader group has the bot in it;
    the page lets the visitor play the personas (GET /_sim/personas)."""
    from bot.demo_history import LEADER_GROUP, LEADER_GROUP_TITLE, PEOPLE, personas

    for person in PEOPLE:
        server.user(person.user_id, person.name, language_code="zh-hans").open_chat()
    server.group(LEADER_GROUP, LEADER_GROUP_TITLE)
    server.personas = personas()


def _seed_demo(settings: Settings, now: datetime) -> tuple[DemoSummary, bool]:
    """The demo subdistrict and, on a first start, its history up to `now` (bot/demo_history.py)."""
    from bot import scheduler
    from bot.bootstrap import build_rules
    from bot.demo_history import seed_history
    from storage.admin import seed_demo
    from storage.db import upgrade
    from storage.uow import uow_factory

    upgrade(settings.database_url)
    demo_data = seed_demo(settings.database_url, migrate=False)
    factory = uow_factory(settings.database_url)
    started = time.monotonic()
    try:
        timetable = scheduler.Timetable(settings.timezone, settings.weekly_digest_cron, settings.monthly_digest_cron)
        seeded = seed_history(factory, build_rules(settings), settings.default_locale, now, timetable)
    finally:
        factory.dispose()
    if seeded:
        log.info("the demo district's history written in %.1f s", time.monotonic() - started)
    return demo_data, seeded


# -- helpers ------------------------------------------------------------------

def _create_invite(settings: Settings, cadre_id: int, ttl: timedelta) -> str:
    """A one-time invite token binding whoever opens it to the cadre; LookupError if none."""
    from storage.admin import create_invite
    from storage.uow import uow_factory

    factory = uow_factory(settings.database_url)
    try:
        with factory() as uow:
            token = create_invite(uow, cadre_id, datetime.now(UTC), ttl)
            uow.commit()
    finally:
        factory.dispose()
    return token


@contextlib.contextmanager
def _work(settings: Settings):  # type: ignore[no-untyped-def]
    """A unit of work on the settings' database (commit inside), with the time rules and a translator."""
    from bot.bootstrap import build_rules, build_translator
    from handlers.turn import Work
    from storage.uow import uow_factory

    factory = uow_factory(settings.database_url)
    try:
        with factory() as uow:
            yield Work(uow=uow, now=datetime.now(UTC), rules=build_rules(settings)), build_translator(settings)
    finally:
        factory.dispose()


def _one_unit(work, name_or_id: str):  # type: ignore[no-untyped-def]
    """The org unit so named (or numbered); None, said on stderr, if none or several."""
    directory = work.uow.directory
    name_or_id = name_or_id.strip()
    units = [directory.org_unit(int(name_or_id))] if name_or_id.isdigit() else directory.units_named(name_or_id)
    units = [unit for unit in units if unit is not None]
    if len(units) == 1:
        return units[0]
    found = ", ".join(f"{unit.name} (id {unit.id})" for unit in units)
    print(f"lianxin: several org units are named {name_or_id!r}: {found}; give the id" if units
          else f"lianxin: no org unit named or numbered {name_or_id!r}", file=sys.stderr)
    return None


def _role(cadre):  # type: ignore[no-untyped-def]
    from handlers.services import role_label

    return role_label(cadre)


def _username_or_demo(args: argparse.Namespace, settings: Settings) -> str:
    """--bot-username, else the Bot API's answer, else (no token: the demo) the demo bot's."""
    return (args.bot_username or _bot_username(settings) or DEMO_BOT_USERNAME).lstrip("@")


def _bot_username(settings: Settings) -> str | None:
    """The bot's @username from getMe, or None without a token or when the API can't be reached."""
    if settings.token is None:
        return None

    async def get_me() -> str | None:
        from telegram import Bot

        api = settings.api_url
        async with Bot(settings.token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot") as bot:
            return bot.username

    try:
        return asyncio.run(get_me())
    except Exception as exc:  # noqa: BLE001 - an offline machine still gets the /start text
        log.warning("could not ask the Bot API for the bot's name: %s", exc)
        return None


def _safe_url(url: str) -> str:
    """`url` with any password hidden, and a SQLite file by its whole path: a relative one depends
    on the folder the command ran in, so say which file that was."""
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            parsed = parsed.set(database=str(Path(parsed.database).resolve()))
        return parsed.render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url


if __name__ == "__main__":
    sys.exit(main())
