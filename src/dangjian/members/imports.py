"""Import members from the xlsx template; export the (filtered) member list, masked.

Validation is set-based: the ID numbers of the whole file are checked against each other
and against the database through the blind index in a few IN queries; orgs and units are
resolved once per distinct name, inside the importer's `members.add_member` scope. Each
row then goes through `validation.check_member` (the same rules as the form and the API).
All rows are written with `bulk_create` in batches, in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.crypto import blind_index
from dangjian.core.excel import (
    Column,
    ExportColumn,
    Exporter,
    Importer,
    Row,
    RowError,
    chunks,
)
from dangjian.core.imports import importers
from dangjian.core.scoping import holds
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Organization, OrgKind, OrgStatus, Unit

from . import validation
from .identifiers import audit_lookup, can_reveal
from .models import Category, Education, Gender, Member, MemberStatus


class MemberImporter(Importer):
    name = "members"
    label = gettext_lazy("党员")
    description = gettext_lazy("批量新增党员（身份证号不能与已登记的党员重复）。")
    model = Member
    columns = [
        Column(
            "name",
            gettext_lazy("姓名"),
            required=True,
            parser=excel.text(32),
            width=10,
            example="张伟",
        ),
        Column(
            "gender",
            gettext_lazy("性别"),
            parser=excel.choice(Gender.choices),
            width=6,
            help=gettext_lazy("男或女；留空则按身份证号识别。"),
            example="男",
        ),
        Column(
            "ethnicity",
            gettext_lazy("民族"),
            parser=excel.text(16),
            width=8,
            help=gettext_lazy("如：汉族、回族；留空按汉族。"),
            example="汉族",
        ),
        Column(
            "birth_date",
            gettext_lazy("出生日期"),
            parser=excel.date(),
            width=12,
            help=gettext_lazy("格式如 1990-01-31；留空则按身份证号识别。"),
            example="1990-03-07",
        ),
        Column(
            "id_number",
            gettext_lazy("身份证号"),
            required=True,
            parser=excel.id_number,
            width=22,
            text_format=True,
            aliases=("身份证号码", "公民身份号码"),
            help=gettext_lazy("18 位居民身份证号码，请以文本格式填写（末位可为 X）。"),
            example="110101199003077774",
        ),
        Column(
            "phone",
            gettext_lazy("手机号码"),
            parser=excel.mobile,
            width=14,
            text_format=True,
            aliases=("手机号", "联系电话"),
            help=gettext_lazy("以 1 开头的 11 位数字。"),
            example="13800138000",
        ),
        Column(
            "education",
            gettext_lazy("学历"),
            parser=excel.choice(Education.choices),
            width=12,
            example="大学本科",
        ),
        Column(
            "category",
            gettext_lazy("人员类别"),
            parser=excel.choice(Category.choices),
            width=10,
            help=gettext_lazy("在职、离退休、学生、未就业或其他；留空按在职。"),
            example="在职",
        ),
        Column(
            "status",
            gettext_lazy("党员状态"),
            required=True,
            parser=excel.choice(MemberStatus.choices),
            width=10,
            help=gettext_lazy("预备党员或正式党员。"),
            example="正式党员",
        ),
        Column(
            "joined_on",
            gettext_lazy("入党日期"),
            required=True,
            parser=excel.date(),
            width=12,
            help=gettext_lazy("支部大会通过之日（政治生日），不能晚于今天。"),
            example="2015-07-01",
        ),
        Column(
            "full_member_on",
            gettext_lazy("转正日期"),
            parser=excel.date(),
            width=12,
            help=gettext_lazy("正式党员填写；预备党员留空。"),
            example="2016-07-01",
        ),
        Column(
            "org",
            gettext_lazy("所在党组织"),
            required=True,
            parser=excel.text(128),
            width=24,
            aliases=("所在支部", "党组织"),
            help=gettext_lazy(
                "党组织的名称或组织编码，须在您的管辖范围内；同名组织较多时请填写组织编码。"
            ),
            example="甲局第一党支部",
        ),
        Column(
            "unit",
            gettext_lazy("工作单位"),
            parser=excel.text(128),
            width=16,
            help=gettext_lazy("机关单位名称；留空则为所在党组织的单位。"),
            example="甲局",
        ),
        Column("job_title", gettext_lazy("职务"), parser=excel.text(64), width=12, example="科员"),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        if not holds(user, "members.add_member"):
            return [RowError(0, "", _("您没有新增党员的权限。"))]
        col = {c.key: c.title for c in self.columns}
        errors: list[RowError] = []

        errors.extend(self._duplicate_ids(user, rows, col["id_number"]))

        orgs = orgs_by_reference(
            Organization.objects.holding(user, "members.add_member"), {r["org"] for r in rows}
        )
        units = self._units(user, rows, orgs)
        org_problems: dict[int, str | None] = {}
        self._members: list[Member] = []
        for row in rows:
            ref = row["org"]
            candidates = orgs.get(ref, [])
            org = candidates[0] if len(candidates) == 1 else None
            if not candidates:
                errors.append(
                    RowError(
                        row.number,
                        col["org"],
                        _(
                            "未找到党组织「%(r)s」，或该组织不在您的管辖范围内：请填写您管辖范围内党组织的名称或组织编码。"
                        )
                        % {"r": ref},
                    )
                )
            elif org is None:
                errors.append(
                    RowError(
                        row.number,
                        col["org"],
                        _("有 %(n)s 个党组织名为「%(r)s」，请改填组织编码。")
                        % {"n": len(candidates), "r": ref},
                    )
                )
            else:
                if org.pk not in org_problems:
                    # Once per distinct org; only a 机关党组织 costs a query (does it have branches?).
                    org_problems[org.pk] = (
                        _("党组织「%(o)s」已撤销。") % {"o": org.name}
                        if org.status == OrgStatus.DISSOLVED
                        else validation.member_org_error(org)
                    )
                problem = org_problems[org.pk]
                if problem:
                    errors.append(RowError(row.number, col["org"], problem))

            unit_id = org.unit_id if org is not None else None
            if row["unit"]:
                unit = units.get(row["unit"])
                if unit is None:
                    errors.append(
                        RowError(
                            row.number,
                            col["unit"],
                            _(
                                "未找到单位「%(u)s」：请填写系统中已有的机关单位名称，或留空（默认为所在党组织的单位）。"
                            )
                            % {"u": row["unit"]},
                        )
                    )
                else:
                    unit_id = unit.pk

            member = Member(
                name=row["name"],
                gender=row["gender"] or "",
                ethnicity=row["ethnicity"] or "汉族",
                birth_date=row["birth_date"],
                id_number=row["id_number"],
                phone=row["phone"] or "",
                education=row["education"] or "",
                category=row["category"] or Category.IN_SERVICE,
                status=row["status"],
                joined_on=row["joined_on"],
                full_member_on=row["full_member_on"],
                job_title=row["job_title"] or "",
                unit_id=unit_id,
            )
            # The org was checked above, once per org. A 机关党组织 is left off during the row
            # check (its rule costs a query), and the "org" message that then causes is dropped.
            if org is not None and org.kind != OrgKind.UNIT_PARTY:
                member.org = org
            try:
                validation.check_member(member)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    if field != "org":
                        errors.extend(RowError(row.number, col.get(field, ""), m) for m in messages)
            if org is not None:
                member.org = org
            member.id_number_clash = row.number in self._clash_rows
            self._members.append(member)
        return errors

    def _duplicate_ids(self, user: Any, rows: list[Row], column: str) -> list[RowError]:
        """ID numbers repeated inside the file, then those already registered.

        A number registered to a member the importer may reveal is refused (and that lookup
        audited as a reveal, after the run); one registered only where the importer may not
        look is imported marked as a clash, never refused: a refusal would confirm it
        (members.identifiers, decisions/0008).
        """
        errors: list[RowError] = []
        self._clash_rows: set[int] = set()
        self._revealed: list[Member] = []
        first_row: dict[str, int] = {}
        blinds: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            number = row["id_number"]
            if number in first_row:
                message = _("与第 %(n)s 行的身份证号重复。") % {"n": first_row[number]}
                errors.append(RowError(row.number, column, message))
            else:
                first_row[number] = row.number
                blinds[blind_index(number)].append(row)
        refused: set[str] = set()
        for chunk in chunks(sorted(blinds)):
            found = (
                Member.objects.filter(id_number_blind__in=chunk)
                .select_related("org")
                .only("pk", "name", "id_number_blind", "org__path")
            )
            for member in found:
                blind = member.id_number_blind or ""
                if can_reveal(user, member):
                    self._revealed.append(member)
                    if blind not in refused:
                        refused.add(blind)
                        errors.extend(
                            RowError(r.number, column, validation.DUPLICATE_ID_MESSAGE)
                            for r in blinds[blind]
                        )
                else:
                    self._clash_rows.update(r.number for r in blinds[blind])
        return errors

    def run(self, user: Any, upload: Any):
        result = super().run(user, upload)
        # Audited after the run: a refused import rolls back everything written inside it.
        if getattr(self, "_revealed", None):
            audit_lookup(self._revealed, "id_number", "duplicate_check")
        return result

    @staticmethod
    def _units(user: Any, rows: list[Row], orgs: dict[str, list[Organization]]) -> dict[str, Unit]:
        """Units by name: those the user may view, plus the units of the orgs they import into."""
        names = sorted({r["unit"] for r in rows if r["unit"]})
        if not names:
            return {}
        own = {o.unit_id for lst in orgs.values() for o in lst if o.unit_id}
        allowed = Unit.objects.filter(pk__in=own) | Unit.objects.restrict(user, "view")
        found: dict[str, Unit] = {}
        for chunk in chunks(names):
            found.update({u.name: u for u in allowed.filter(name__in=chunk)})
        return found

    def write(self, user: Any, rows: list[Row]) -> int:
        for member in self._members:
            member.prepare()  # bulk_create bypasses save()
        Member.objects.bulk_create(self._members, batch_size=self.batch_size)
        return len(self._members)


class MemberExporter(Exporter):
    label = gettext_lazy("党员")
    columns = [
        ExportColumn(gettext_lazy("姓名"), "name", 10),
        ExportColumn(gettext_lazy("性别"), "get_gender_display", 6),
        ExportColumn(gettext_lazy("民族"), "ethnicity", 8),
        ExportColumn(gettext_lazy("出生日期"), lambda m: m.birth_shown, 12),
        ExportColumn(gettext_lazy("身份证号"), "masked_id_number", 22),
        ExportColumn(gettext_lazy("手机号码"), "masked_phone", 14),
        ExportColumn(gettext_lazy("学历"), "get_education_display", 12),
        ExportColumn(gettext_lazy("人员类别"), "get_category_display", 10),
        ExportColumn(gettext_lazy("党员状态"), "get_status_display", 10),
        ExportColumn(gettext_lazy("入党日期"), "joined_on", 12),
        ExportColumn(gettext_lazy("转正日期"), "full_member_on", 12),
        ExportColumn(gettext_lazy("所在党组织"), "org.name", 24),
        ExportColumn(gettext_lazy("工作单位"), "unit.name", 16),
        ExportColumn(gettext_lazy("职务"), "job_title", 12),
        ExportColumn(gettext_lazy("党籍状态"), "get_membership_display", 10),
    ]

    def prepare_chunk(self, user: Any, objs: list[Any]) -> None:
        # The full birth date only where the user may reveal the member (decisions/0008).
        for m in objs:
            m.birth_shown = m.birth_date if can_reveal(user, m) else m.masked_birth_date()

    def response(self, user: Any, queryset: Any, filters: dict[str, Any] | None = None):
        return super().response(user, queryset.select_related("org", "unit"), filters)


importers.register(MemberImporter.name, MemberImporter)
