"""`dangjian rules list` and `dangjian rules check --year Y [--within ORG_ID] [--rule ID]
[--format table|json|xlsx] [--output FILE] [--details] [--user U]`.

The operator's view by default (the CLI acts as SYSTEM: the whole tree); `--user` evaluates
as that user would see it. `check` judges the frequency rules with the same evaluator as
the heatmap and `/api/compliance/`.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.core.excel import writer
from dangjian.core.excel.workbook import audit
from dangjian.core.management.commands.metrics import resolve_actor, resolve_within
from dangjian.orgs.models import OrgKind

from ...evaluator import Evaluation, Status, evaluate
from ...loader import get_library
from ...schema import KIND_LABELS
from ...switches import enabled_rules, switches

USAGE_ERROR = 2


class Command(BaseCommand):
    help = "列出规则库，或按规则检查某年度的制度落实情况。"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,check}")
        listing = sub.add_parser("list", help="列出规则库中的全部规则及其依据")
        listing.add_argument("--format", choices=["table", "json"], default="table")
        check = sub.add_parser("check", help="检查某年度按频次规定的制度落实情况")
        check.add_argument("--year", type=int, default=None, help="年度（默认今年）")
        check.add_argument(
            "--within", type=int, default=None, metavar="ORG_ID", help="只检查该党组织及其下级"
        )
        check.add_argument("--rule", default=None, metavar="ID", help="只检查一条规则")
        check.add_argument("--format", choices=["table", "json", "xlsx"], default="table")
        check.add_argument(
            "--output",
            default=None,
            metavar="FILE",
            help="xlsx 的输出文件（默认 rules-check-年度.xlsx）",
        )
        check.add_argument(
            "--details", action="store_true", help="table 格式时列出每个未达标的组织和期间"
        )
        check.add_argument(
            "--user", default=None, metavar="USERNAME", help="按该用户的权限范围检查"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self.list_rules(options["format"])
        else:
            self.run_check(options)

    def list_rules(self, fmt: str) -> None:
        rules = list(get_library())
        state = switches(rules)
        if fmt == "json":
            rows = [r.as_dict() | {"enabled": state[r.id].enabled} for r in rules]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        width = max(len(r.id) for r in rules)
        for rule in rules:
            c = rule.citation
            flags = ("" if state[rule.id].enabled else " [停用]") + (
                " [地方性]" if rule.local else ""
            )
            verified = "已核实" if c.verified else "未核实"
            self.stdout.write(
                f"{rule.id:<{width}}  {pad(KIND_LABELS[rule.kind], -12)} {rule.title}{flags}\n"
                f"{'':<{width}}  依据：{c.document}{c.article}（{verified}）"
            )

    def run_check(self, options: dict[str, Any]) -> None:
        year = options["year"] or timezone.localdate().year
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度 {year} 不合理，请输入四位年份，如 --year 2024。")
        actor = resolve_actor(options["user"])
        within = resolve_within(actor, options["within"])
        rules = self.chosen_rules(options["rule"])
        evaluation = evaluate(actor, year, within=within, rules=rules)
        fmt = options["format"]
        if fmt == "json":
            self.stdout.write(json.dumps(as_json(evaluation), ensure_ascii=False))
        elif fmt == "xlsx":
            path = Path(options["output"] or f"rules-check-{year}.xlsx")
            write_xlsx(evaluation, path)
            audit(
                actor,
                "export",
                "success",
                what="rules.compliance",
                year=year,
                rows=len(evaluation.cells),
            )
            self.stdout.write(f"已写入 {path}（{len(evaluation.cells)} 条检查结果）。")
        else:
            self.write_table(evaluation, options["details"])

    @staticmethod
    def chosen_rules(rule_id: str | None):
        library = get_library()
        if rule_id is None:
            return [r for r in enabled_rules() if r.is_evaluated]
        if rule_id not in library:
            raise CommandError(
                f"规则库中没有编号为“{rule_id}”的规则；运行 dangjian rules list 查看。",
                returncode=USAGE_ERROR,
            )
        rule = library.get(rule_id)
        if not rule.is_evaluated:
            raise CommandError(
                f"“{rule_id}”不是按频次检查的规则，不能用 check 检查。", returncode=USAGE_ERROR
            )
        return [rule]

    def write_table(self, evaluation: Evaluation, details: bool) -> None:
        scope = evaluation.within.name if evaluation.within else "全部组织"
        self.stdout.write(
            f"{evaluation.year}年制度落实情况（{scope}，截至 {evaluation.today:%Y-%m-%d}）"
        )
        heads = [
            ("规则", -36),
            ("达标率", 7),
            ("达标", 6),
            ("未达标", 6),
            ("豁免", 5),
            ("未到期", 6),
            ("提示", 5),
        ]
        self.stdout.write(" ".join(pad(text, width) for text, width in heads))
        summaries = evaluation.summaries()
        for rule in evaluation.rules:
            s = summaries[rule.id]
            rate = "—" if s.rate is None else f"{s.rate * 100:.1f}%"
            c = s.counts
            self.stdout.write(
                f"{rule.id:<36} {rate:>7} {c[Status.COMPLIANT]:>6} {c[Status.NONCOMPLIANT]:>6} "
                f"{c[Status.EXEMPT]:>5} {c[Status.NOT_DUE]:>6} {s.warnings:>5}"
            )
        if details:
            for cell in evaluation.cells:
                if cell.status == Status.NONCOMPLIANT:
                    org = evaluation.orgs[cell.org_id]
                    self.stdout.write(
                        f"  ✗ {org.name}（{org.id}） {cell.rule_id} {cell.period.label}：{cell.count}/{cell.required}"
                    )


def pad(text: str, width: int) -> str:
    """Pad to `width` terminal columns (negative: left-aligned); CJK characters take two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    fill = " " * max(0, abs(width) - used)
    return text + fill if width < 0 else fill + text


def as_json(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "year": evaluation.year,
        "today": evaluation.today.isoformat(),
        "within": evaluation.within.pk if evaluation.within else None,
        "rules": [
            {
                "id": r.id,
                "title": r.title,
                "citation": r.citation.as_dict(),
                "period": r.schedule.period,
            }
            for r in evaluation.rules
        ],
        "summary": [s.as_dict() for s in evaluation.summaries().values()],
        "results": [evaluation.cell_dict(c) for c in evaluation.cells],
    }


def write_xlsx(evaluation: Evaluation, path: Path) -> None:
    """A summary sheet and a results sheet (write-only mode: city scale stays in memory bounds)."""
    wb = writer.new_workbook(write_only=True)
    summary = writer.sheet(
        wb,
        "汇总",
        headers=[
            "规则编号",
            "规则",
            "依据",
            "达标率",
            "达标",
            "未达标",
            "豁免",
            "未到期",
            "不适用",
            "提示",
        ],
        header_style=False,
    )
    summaries = evaluation.summaries()
    for rule in evaluation.rules:
        s = summaries[rule.id]
        c = s.counts
        writer.append(
            summary,
            [
                rule.id,
                rule.title,
                rule.citation.text(),
                None if s.rate is None else round(s.rate, 4),
                c[Status.COMPLIANT],
                c[Status.NONCOMPLIANT],
                c[Status.EXEMPT],
                c[Status.NOT_DUE],
                c[Status.NOT_APPLICABLE],
                s.warnings,
            ],
        )
    results = writer.sheet(
        wb,
        "明细",
        header_style=False,
        headers=[
            "组织编号",
            "组织",
            "组织类别",
            "规则编号",
            "期间",
            "开始",
            "结束",
            "结果",
            "次数",
            "要求",
            "提示",
            "说明",
        ],
    )
    for cell in evaluation.cells:
        org = evaluation.orgs[cell.org_id]
        writer.append(
            results,
            [
                org.id,
                org.name,
                str(OrgKind(org.kind).label),
                cell.rule_id,
                cell.period.label,
                cell.period.start,
                cell.period.end,
                Status.LABELS[cell.status],
                cell.count,
                cell.required,
                cell.warning,
                cell.reason,
            ],
        )
    writer.save_private(wb, path)  # personal data: 0600
