"""`dangjian demo`: load the deterministic demo city (演示数据) into an empty database."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dangjian.core import context
from dangjian.demo import loader
from dangjian.demo.plan import SCALES, build_plan


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today 应为 YYYY-MM-DD 格式的日期，收到“{value}”。") from exc


class Command(BaseCommand):
    help = (
        "载入演示数据（示例市）：1 个工委、85 个市直机关党组织、1050 个基层党组织、约 2.5 万名党员、"
        "2024 年 1 月 1 日至今的组织生活记录和各角色演示账号。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=1, help="随机种子：相同种子生成完全相同的数据（默认 1）。"
        )
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="city",
            help="规模：city（示例市）、province（10 倍，用于性能测试）、tiny（测试用）。",
        )
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="把哪一天当作“今天”（YYYY-MM-DD，默认为实际日期），决定届次状态等。",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="数据库中已有党组织时什么也不做（供 make run 使用）。",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先删除现有的全部党组织、党员和演示账号，再载入（审计日志保留）。",
        )

    def handle(
        self,
        *args,
        seed: int,
        scale: str,
        today: dt.date | None,
        if_empty: bool,
        reset: bool,
        verbosity: int,
        **options,
    ):
        # Off a terminal (make run's log, a pipe) rich would assume 80 columns and cut names.
        width = None if self.stdout.isatty() else 160
        console = Console(file=self.stdout, highlight=False, width=width)  # type: ignore[arg-type]
        if not loader.is_empty():
            if if_empty:
                if verbosity:
                    self.stdout.write("数据库中已有党组织，跳过演示数据载入。")
                    self._print_accounts(console, loader.account_rows())
                return
            if not reset:
                raise CommandError(
                    "数据库中已有党组织数据，演示数据只能载入空库。"
                    "如确需清空现有组织、党员和演示账号后重新载入，请加 --reset；"
                    "只想在空库时载入请用 --if-empty。"
                )
        elif (clash := loader.existing_demo_usernames()) and not reset:
            raise CommandError(
                f"用户名 {'、'.join(clash)} 已被占用，无法创建演示账号；请先改名，或加 --reset 删除这些账号。"
            )
        today = today or loader.today_default()
        started = time.perf_counter()
        plan = build_plan(seed, scale, today)
        ctx = context.RequestContext(channel="cli")
        with context.use(ctx):
            if verbosity:
                columns = (
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                )
                with Progress(*columns, console=console, transient=False) as progress:
                    result = loader.load(plan, progress, reset_first=reset)
            else:
                result = loader.load(plan, reset_first=reset)
        if verbosity:
            c = result["counts"]
            self.stdout.write(
                f"演示数据已载入（种子 {seed}，规模 {scale}，今天 {today:%Y-%m-%d}，用时 "
                f"{time.perf_counter() - started:.1f} 秒）：市直机关党组织 {c['unit_party_orgs']} 个，"
                f"基层党组织 {c['grassroots_orgs']} 个，党小组 {c['party_groups']} 个，"
                f"党员 {c['member']} 名，届次 {c['terms']} 条，班子成员 {c.get('committeepost', 0)} 名，"
                f"组织生活 {c.get('activity', 0)} 次，参加记录 {c.get('participation', 0)} 条。"
            )
            self._print_accounts(console, result["accounts"])

    def _print_accounts(self, console: Console, rows: list[dict]) -> None:
        if not rows:
            return
        table = Table(title="演示账号（演示数据，切勿用于生产环境）")
        for header in ("用户名", "姓名", "角色", "所辖组织", "初始密码"):
            table.add_column(header, overflow="fold")
        for row in rows:
            table.add_row(
                row["username"], row["display_name"], row["role_label"], row["org"], row["password"]
            )
        console.print(table)
