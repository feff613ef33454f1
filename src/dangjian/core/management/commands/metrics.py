"""`dangjian metrics list` / `dangjian metrics show ID --year Y [--within ORG] [--format text|json]`.

The operator's view by default: the CLI acts as `SYSTEM` (the whole tree), since whoever
runs it on the server can read the database anyway. `--user U` computes the figure as
that user would see it — through the same `restrict` as the web and the API.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dangjian.core.metrics import MetricScope, registry
from dangjian.core.scoping import SYSTEM

# Exit status for a usage error (unknown metric id), as argparse uses.
USAGE_ERROR = 2


class Command(BaseCommand):
    help = "列出或计算统计指标（与 /api/metrics/ 相同的口径）。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,show}")
        listing = sub.add_parser("list", help="列出全部指标")
        listing.add_argument("--format", choices=["text", "json"], default="text")
        show = sub.add_parser("show", help="计算一个指标")
        show.add_argument("metric_id", metavar="ID", help="指标编号，如 orgs.unit_party_count")
        show.add_argument("--year", type=int, default=None, help="统计年度（默认今年）")
        show.add_argument(
            "--within", type=int, default=None, metavar="ORG_ID", help="只统计该党组织及其下级"
        )
        show.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="text 只输出数值；json 输出与 API 相同的对象",
        )
        show.add_argument(
            "--user",
            default=None,
            metavar="USERNAME",
            help="按该用户的权限范围计算（默认：服务器操作员，全部组织）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self.list_metrics(options["format"])
        else:
            self.show_metric(options)

    def list_metrics(self, fmt: str) -> None:
        metrics = registry.all()
        if fmt == "json":
            rows = [{"id": m.id, "label": str(m.label), "unit": str(m.unit)} for m in metrics]
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        width = max((len(m.id) for m in metrics), default=0)
        for m in metrics:
            self.stdout.write(f"{m.id:<{width}}  {m.label}（{m.unit}）")

    def show_metric(self, options: dict[str, Any]) -> None:
        metric_id = options["metric_id"]
        if metric_id not in registry:
            raise CommandError(unknown_metric_message(metric_id), returncode=USAGE_ERROR)
        metric = registry.get(metric_id)
        year = options["year"] or timezone.localdate().year
        if not 1949 <= year <= 2100:
            raise CommandError(f"年度 {year} 不合理，请输入四位年份，如 --year 2024。")
        actor = resolve_actor(options["user"])
        within = resolve_within(actor, options["within"])
        scope = MetricScope(user=actor, year=year, within=within)
        if options["format"] == "json":
            self.stdout.write(json.dumps(metric.as_dict(scope), ensure_ascii=False, default=str))
        else:
            self.stdout.write(str(metric.value(scope)))


def unknown_metric_message(metric_id: str) -> str:
    known = [m.id for m in registry.all()]
    close = difflib.get_close_matches(metric_id, known, n=5, cutoff=0.5)
    if close:
        return f"没有编号为“{metric_id}”的指标。您是不是要找：{'、'.join(close)}？"
    listing = "、".join(known) or "（尚未注册任何指标）"
    return f"没有编号为“{metric_id}”的指标。可用的指标：{listing}。运行 dangjian metrics list 查看说明。"


def resolve_actor(username: str | None) -> Any:
    if username is None:
        return SYSTEM
    user_model = get_user_model()
    try:
        return user_model.objects.get(**{user_model.USERNAME_FIELD: username})
    except user_model.DoesNotExist:
        raise CommandError(f"用户“{username}”不存在，请检查 --user 参数。") from None


def resolve_within(actor: Any, org_id: int | None) -> Any:
    """The subtree root, looked up through `restrict` so a user cannot name an org outside scope."""
    if org_id is None:
        return None
    # Resolved by name at run time: core imports no domain app (DESIGN §3).
    organization = apps.get_model("orgs", "Organization")
    org = organization.objects.restrict(actor, "view").filter(pk=org_id).first()
    if org is None:
        raise CommandError(
            f"编号为 {org_id} 的党组织不存在或不在权限范围内，请检查 --within 参数。"
        )
    return org
