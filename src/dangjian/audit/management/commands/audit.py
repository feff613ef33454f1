"""`dangjian audit verify | checkpoint | rekey`: the keyed audit chain from the command line.

- verify: report every break of the chain, its head and its anchor file (exit 1 on any);
- checkpoint: anchor the committed chain head in the anchor file (cron, e.g. hourly);
  `--restart` starts a new anchor file after the old one was lost (an audited event);
- rekey: re-seal a chain holding unkeyed events (after restoring a JSON backup made before
  the keyed chain); `--accept-breaks` re-seals a broken chain, recording the breaks.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from dangjian.core.jobs import single_run

from ... import chain, rekey
from ...models import AuditEvent, ChainHead
from ...services import checkpoint, restart_anchor, verify


class Command(BaseCommand):
    help = (
        "审计日志工具：verify 校验审计链（报告每一处断点，有断点时退出码 1）；"
        "checkpoint 把链头写入库外检查点文件；rekey 用密钥重新封存旧格式的审计链。"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        check = sub.add_parser("verify", help="校验审计链，报告全部断点")
        check.add_argument("--batch", type=int, default=2000, help="每批读取的事件数")
        point = sub.add_parser("checkpoint", help="把当前链头写入检查点文件（供定时任务调用）")
        point.add_argument(
            "--restart",
            action="store_true",
            help="检查点文件丢失后重新开始（记入审计日志）",
        )
        again = sub.add_parser("rekey", help="用审计密钥重新封存整条审计链")
        again.add_argument(
            "--accept-breaks",
            action="store_true",
            help="审计链有断点时仍重新封存（断点会记入重新封存事件）",
        )

    @single_run(lambda options: f"audit {options['subcommand']}")  # one at a time, all servers
    def handle(self, *args, **options):
        try:
            return getattr(self, "_" + options["subcommand"])(options)
        except chain.KeyMissing as exc:
            raise CommandError(str(exc)) from exc

    def _verify(self, options):
        if not 1 <= options["batch"] <= 100_000:
            raise CommandError("--batch 须在 1–100000 之间。")
        report = verify(batch=options["batch"])
        if report.ok:
            self.stdout.write(f"审计链完整：{report.checked} 条事件")
            if report.anchored is not None and report.anchored.id:
                self.stdout.write(
                    f"库外检查点：第 {report.anchored.id} 条（{report.anchored.at}）；"
                    "其后的事件由链头记录保护，直到下一个检查点。"
                )
            return
        self.stdout.write(
            f"审计链断裂：发现 {len(report.breaks)} 处问题（共读取 {report.checked} 条事件）："
        )
        for message in report.messages():
            self.stdout.write(f"  {message}")
        raise SystemExit(1)

    def _checkpoint(self, options):
        result = restart_anchor() if options["restart"] else checkpoint()
        if not result.ok:
            self.stderr.write(result.message)
            raise SystemExit(1)
        self.stdout.write(result.message)

    def _rekey(self, options):
        try:
            done = rekey.reseal(AuditEvent, ChainHead, accept_breaks=options["accept_breaks"])
        except rekey.Refused as exc:
            self.stdout.write("审计链有以下断点，未重新封存：")
            for message in exc.report.messages():
                self.stdout.write(f"  {message}")
            self.stdout.write(
                "请先调查。确认要在记录这些断点的前提下重新封存，再加 --accept-breaks 运行。"
            )
            raise SystemExit(1) from exc
        if done is None:
            self.stdout.write("审计链已全部用密钥封存，且没有断点，无需重新封存。")
            return
        self.stdout.write(
            f"已重新封存 {done.events} 条事件（其中旧格式 {done.legacy} 条），"
            f"并记录为第 {done.event_id} 条事件。"
        )
        if done.breaks:
            self.stdout.write(f"重新封存前的 {len(done.breaks)} 处断点已记入该事件。")
