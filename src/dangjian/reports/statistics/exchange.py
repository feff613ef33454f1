"""Exchange with the national 全国党员管理信息系统: its per-person columns, out and in.

The column set is what is publicly documented (docs/statistics.md names the source of each
column: OWIP's 中组部年度统计 upload rows, the LHSextract scrapers of the system's own
pages); a column the platform does not record is exported empty and ignored on import,
and the 填写说明 sheet of the template says so. The platform's own columns the public lists
do not show (工作单位, 手机号码) are marked as ours.

- **Export** (`export_response`): the scope's members on the roll, or its open applicants,
  through core.excel. ID number, phone and full birth date only where the user holds the
  reveal right over the person (decisions/0008); otherwise the same masks as every export.
  One `export` event, and one `reveal` event counting the people shown in plaintext.
- **Import** (`ExchangeMemberImporter`, `ExchangeApplicantImporter`): the same headers,
  through core.imports (all or nothing, per-row Chinese errors). They are the members' and
  applicants' importers with these headers: the columns the platform records are read by
  the members importer's own definitions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.excel import Column, ExportColumn, Exporter, Row, RowError, writer
from dangjian.core.excel.workbook import audit
from dangjian.core.imports import importers
from dangjian.core.scoping import holds
from dangjian.core.services import emit
from dangjian.members.identifiers import REVEAL_PERM, can_reveal
from dangjian.members.imports import MemberImporter
from dangjian.members.models import Member, MembershipState
from dangjian.recruitment import services as recruitment_services
from dangjian.recruitment.imports import ApplicantImporter
from dangjian.recruitment.models import Applicant, RecruitmentStep, Step

KINDS = ("members", "applicants")
YES_NO = (("yes", "是"), ("no", "否"))
IGNORED_HELP = "本平台暂不采集此项：导出为空，导入时不读取。"
COMPUTED_HELP = "由本平台计算：导入时不读取。"

# Columns of the national per-person export the platform does not record (in its order).
NOT_RECORDED_MEMBER = (
    "籍贯",
    "学位",
    "新社会阶层类型",
    "是否农民工",
    "从事专业技术服务",
    "党员所属行业",
    "档案所在单位",
    "户籍所在地",
    "现居住地",
    "失去联系情形",
    "失去联系日期",
)
NOT_RECORDED_APPLICANT = ("籍贯", "学位", "一线情况")

_MEMBER_COLS = {c.key: c for c in MemberImporter.columns}
_APPLICANT_COLS = {c.key: c for c in ApplicantImporter.columns}


def renamed(col: Column, title: str) -> Column:
    """The importer's own column under the national header (its old title stays an alias)."""
    aliases = tuple(a for a in (str(col.header), *col.aliases) if a != title)
    return dataclasses.replace(col, header=title, aliases=aliases)


def ignored(title: str, help_text: str = IGNORED_HELP) -> Column:
    return Column(f"ignored:{title}", title, parser=excel.text(200), width=12, help=help_text)


def reveals_anywhere(user: Any) -> bool:
    return holds(user, REVEAL_PERM)


# --- members ------------------------------------------------------------------------------

MEMBER_COLUMNS: list[Column] = [
    renamed(_MEMBER_COLS["name"], "姓名"),
    renamed(_MEMBER_COLS["id_number"], "公民身份号码"),
    renamed(_MEMBER_COLS["gender"], "性别"),
    renamed(_MEMBER_COLS["birth_date"], "出生日期"),
    renamed(_MEMBER_COLS["ethnicity"], "民族"),
    renamed(_MEMBER_COLS["education"], "学历"),
    renamed(_MEMBER_COLS["category"], "人员类别"),
    renamed(_MEMBER_COLS["joined_on"], "入党时间"),
    renamed(_MEMBER_COLS["full_member_on"], "转正时间"),
    renamed(_MEMBER_COLS["status"], "转正情况"),
    ignored("延长预备期时间", COMPUTED_HELP),
    ignored("党龄", COMPUTED_HELP),
    renamed(_MEMBER_COLS["job_title"], "工作岗位"),
    renamed(_MEMBER_COLS["org"], "所在党支部"),
    Column(
        "is_mobile",
        gettext_lazy("是否流动党员"),
        parser=excel.choice(YES_NO),
        width=8,
        help=gettext_lazy("是或否；留空按否。"),
        example="否",
    ),
    renamed(_MEMBER_COLS["unit"], "工作单位"),
    renamed(_MEMBER_COLS["phone"], "手机号码"),
    *[ignored(t) for t in NOT_RECORDED_MEMBER],
]


def party_age(m: Member, today: dt.date) -> int | None:
    """党龄 (党章第七条: from becoming a full member), in whole years."""
    if not m.full_member_on or m.full_member_on > today:
        return None
    years = today.year - m.full_member_on.year
    return years - ((today.month, today.day) < (m.full_member_on.month, m.full_member_on.day))


def _mobile(m: Member) -> str:
    return "是" if m.is_mobile else "否"


def _extension(m: Member) -> str:
    if not m.probation_extension_months:
        return ""
    return f"{m.probation_extension_months}个月"


class _PersonExporter(Exporter):
    """Shows ID number, phone and birth date in plaintext only where the user may reveal."""

    revealed = 0

    def may_reveal(self, user: Any, obj: Any) -> bool:
        raise NotImplementedError

    def prepare_chunk(self, user: Any, objs: list[Any]) -> None:
        for obj in objs:
            shown = self.may_reveal(user, obj)
            self.revealed += shown
            obj.x_id = obj.id_number if shown else obj.masked_id_number()
            obj.x_phone = obj.phone if shown else obj.masked_phone()
            obj.x_birth = obj.birth_date if shown else obj.masked_birth_date()


class MemberExchangeExporter(_PersonExporter):
    label = "党员信息（全国党员管理信息系统格式）"

    def __init__(self) -> None:
        today = timezone.localdate()
        values: dict[str, Any] = {
            "姓名": "name",
            "公民身份号码": "x_id",
            "性别": "get_gender_display",
            "出生日期": "x_birth",
            "民族": "ethnicity",
            "学历": "get_education_display",
            "人员类别": "get_category_display",
            "入党时间": "joined_on",
            "转正时间": "full_member_on",
            "转正情况": "get_status_display",
            "延长预备期时间": _extension,
            "党龄": lambda m: party_age(m, today),
            "工作岗位": "job_title",
            "所在党支部": "org.name",
            "是否流动党员": _mobile,
            "工作单位": "unit.name",
            "手机号码": "x_phone",
        }
        self.columns = [
            ExportColumn(c.title, values.get(c.title, lambda _m: ""), c.width)
            for c in MEMBER_COLUMNS
        ]

    def may_reveal(self, user: Any, obj: Any) -> bool:
        return can_reveal(user, obj)


class ExchangeMemberImporter(MemberImporter):
    name = "exchange_members"
    label = gettext_lazy("党员（全国党员管理信息系统格式）")
    description = gettext_lazy(
        "按全国党员管理信息系统的人员信息列导入党员（与“党内统计”页导出的文件同一格式）；"
        "本平台不采集的列导入时不读取；有一行不符合要求则整个文件都不导入。"
    )
    columns = MEMBER_COLUMNS
    sheet_title = "党员"

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        errors = super().validate_rows(user, rows)
        # The members importer builds one Member per row, in row order.
        for row, member in zip(rows, getattr(self, "_members", []), strict=False):
            member.is_mobile = row["is_mobile"] == "yes"
        return errors


# --- applicants ---------------------------------------------------------------------------

APPLICANT_COLUMNS: list[Column] = [
    renamed(_APPLICANT_COLS["name"], "姓名"),
    renamed(_APPLICANT_COLS["id_number"], "公民身份号码"),
    renamed(_APPLICANT_COLS["gender"], "性别"),
    renamed(_APPLICANT_COLS["birth_date"], "出生日期"),
    renamed(_APPLICANT_COLS["ethnicity"], "民族"),
    renamed(_APPLICANT_COLS["education"], "学历"),
    renamed(_APPLICANT_COLS["job_title"], "工作岗位"),
    renamed(_APPLICANT_COLS["org"], "所在党支部"),
    renamed(_APPLICANT_COLS["unit"], "工作单位"),
    renamed(_APPLICANT_COLS["phone"], "手机号码"),
    renamed(_APPLICANT_COLS["applied_on"], "递交入党申请书时间"),
    ignored(
        "确定为入党积极分子时间", "发展纪实中登记的日期；导入时不读取，请在发展纪实中逐步登记。"
    ),
    ignored("确定为发展对象时间", "发展纪实中登记的日期；导入时不读取，请在发展纪实中逐步登记。"),
    *[ignored(t) for t in NOT_RECORDED_APPLICANT],
]


class ApplicantExchangeExporter(_PersonExporter):
    label = "入党申请人信息（全国党员管理信息系统格式）"

    def __init__(self) -> None:
        values: dict[str, Any] = {
            "姓名": "name",
            "公民身份号码": "x_id",
            "性别": "get_gender_display",
            "出生日期": "x_birth",
            "民族": "ethnicity",
            "学历": "get_education_display",
            "工作岗位": "job_title",
            "所在党支部": "org.name",
            "工作单位": "unit.name",
            "手机号码": "x_phone",
            "递交入党申请书时间": "applied_on",
            "确定为入党积极分子时间": lambda a: a.step_dates.get(Step.ACTIVIST),
            "确定为发展对象时间": lambda a: a.step_dates.get(Step.CANDIDATE),
        }
        self.columns = [
            ExportColumn(c.title, values.get(c.title, lambda _a: ""), c.width)
            for c in APPLICANT_COLUMNS
        ]

    def may_reveal(self, user: Any, obj: Any) -> bool:
        return recruitment_services.can_reveal(user, obj)

    def prepare_chunk(self, user: Any, objs: list[Any]) -> None:
        super().prepare_chunk(user, objs)
        for a in objs:
            a.step_dates = {s.step: s.done_on for s in a.dated_steps}


class ExchangeApplicantImporter(ApplicantImporter):
    name = "exchange_applicants"
    label = gettext_lazy("入党申请人（全国党员管理信息系统格式）")
    description = gettext_lazy(
        "按全国党员管理信息系统的入党申请人信息列登记入党申请人（登记第1步）；"
        "积极分子、发展对象的日期请在发展纪实中逐步登记；有一行不符合要求则整个文件都不导入。"
    )
    columns = APPLICANT_COLUMNS
    sheet_title = "入党申请人"


importers.register(ExchangeMemberImporter.name, ExchangeMemberImporter)
importers.register(ExchangeApplicantImporter.name, ExchangeApplicantImporter)


# --- the downloads ------------------------------------------------------------------------


def member_queryset(user: Any, org: Any):
    return (
        Member.objects.restrict(user, "view")
        .within(org)
        .filter(membership=MembershipState.NORMAL)
        .select_related("org", "unit")
        .order_by("org__path", "name", "pk")
    )


def applicant_queryset(user: Any, org: Any):
    steps = RecruitmentStep.objects.filter(step__in=(Step.ACTIVIST, Step.CANDIDATE))
    return (
        Applicant.objects.restrict(user, "view")
        .within(org)
        .filter(closed_on__isnull=True, member__isnull=True)
        .select_related("org", "unit")
        .prefetch_related(Prefetch("steps", queryset=steps, to_attr="dated_steps"))
        .order_by("org__path", "applied_on", "pk")
    )


def exporter_for(kind: str) -> tuple[_PersonExporter, Any]:
    if kind == "applicants":
        return ApplicantExchangeExporter(), applicant_queryset
    return MemberExchangeExporter(), member_queryset


def export_response(user: Any, org: Any, kind: str):
    exporter, queryset = exporter_for(kind)
    response = exporter.response(user, queryset(user, org), {"org": org.pk, "kind": kind})
    if exporter.revealed:
        emit(
            "reveal",
            None,
            user=user,
            field="id_number,phone,birth_date",
            via="exchange_export",
            kind=kind,
            org=org.pk,
            count=exporter.revealed,
        )
    return response


def write_file(user: Any, org: Any, kind: str, path: Any) -> int:
    """The same workbook saved to `path` (0600: it holds personal data), for the CLI;
    audited like the download. Returns the number of people written."""
    exporter, queryset = exporter_for(kind)
    wb = writer.new_workbook(write_only=True)
    ws = writer.sheet(
        wb,
        str(exporter.label)[:31],
        headers=[col.header for col in exporter.columns],
        widths=[col.width for col in exporter.columns],
        header_style=False,
    )
    count = 0
    for values in exporter.iter_rows(user, queryset(user, org)):
        writer.append(ws, values)
        count += 1
    writer.save_private(wb, path)
    audit(
        user,
        "export",
        "success",
        model=f"reports.exchange_{kind}",
        rows=count,
        filters={"org": org.pk},
    )
    if exporter.revealed:
        emit(
            "reveal",
            None,
            user=user,
            field="id_number,phone,birth_date",
            via="exchange_export",
            kind=kind,
            org=org.pk,
            count=exporter.revealed,
        )
    return count


def importer_for(kind: str):
    return importers.get(
        ExchangeApplicantImporter.name if kind == "applicants" else ExchangeMemberImporter.name
    )
