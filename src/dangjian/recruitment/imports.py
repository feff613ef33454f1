"""Import 入党申请人 from the xlsx template, all or nothing (core.excel.Importer).

The batch is checked set-based first (orgs resolved once per name inside the importer's
add scope, ID numbers repeated in the file or already registered for an applicant the
importer may view). Each row is then registered through `services.create_applicant` —
the same checks as the form (age at application, org kinds …) — inside the importer's
one transaction: any refused row refuses the whole file, with its row number, and the
framework rolls back every row already written.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from dangjian.core import excel
from dangjian.core.crypto import blind_index
from dangjian.core.excel import Column, Importer, Row, RowError, chunks
from dangjian.core.imports import importers
from dangjian.core.scoping import holds
from dangjian.core.services import OutOfScope
from dangjian.members.imports import MemberImporter
from dangjian.orgs.imports import orgs_by_reference
from dangjian.orgs.models import Unit

from . import services
from .models import Applicant

# The person's columns a member's import has, read the same way (one definition).
_MEMBER = {c.key: c for c in MemberImporter.columns}


class ApplicantImporter(Importer):
    name = "recruitment_applicants"
    label = gettext_lazy("入党申请人")
    description = gettext_lazy(
        "批量登记已递交入党申请书的人员（登记第1步；有一行不符合要求则整个文件都不导入）。"
    )
    model = Applicant
    columns = [
        _MEMBER["name"],
        Column(
            "id_number",
            gettext_lazy("身份证号"),
            parser=excel.id_number,
            width=22,
            text_format=True,
            aliases=("身份证号码", "公民身份号码"),
            help=gettext_lazy(
                "18 位居民身份证号码，请以文本格式填写；填写后出生日期和性别可留空。"
            ),
            example="110101200001011234",
        ),
        _MEMBER["gender"],
        Column(
            "birth_date",
            gettext_lazy("出生日期"),
            parser=excel.date(),
            width=12,
            help=gettext_lazy("格式如 2000-01-31；不填身份证号时必填。"),
            example="2000-01-01",
        ),
        Column("ethnicity", gettext_lazy("民族"), parser=excel.text(16), width=8, example="汉族"),
        _MEMBER["phone"],
        _MEMBER["education"],
        Column("unit", gettext_lazy("工作单位"), parser=excel.text(128), width=16, example="甲局"),
        _MEMBER["job_title"],
        Column(
            "org",
            gettext_lazy("所在党组织"),
            required=True,
            parser=excel.text(128),
            width=24,
            aliases=("所在支部", "党组织"),
            help=gettext_lazy("受理申请的党支部的名称或组织编码，须在您的管辖范围内。"),
            example="甲局第一党支部",
        ),
        Column(
            "applied_on",
            gettext_lazy("递交入党申请书日期"),
            required=True,
            parser=excel.date(),
            width=14,
            aliases=("申请日期", "递交申请书日期"),
            help=gettext_lazy("不能晚于今天；申请人当日应年满十八周岁。"),
            example="2024-03-01",
        ),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        if not holds(user, "recruitment.add_applicant"):
            return [RowError(0, "", "您没有登记入党申请人的权限。")]
        col = {c.key: str(c.title) for c in self.columns}
        errors = self._duplicates(user, rows, col["id_number"])
        orgs = orgs_by_reference(services.applicant_orgs(user), {r["org"] for r in rows})
        unit_names = sorted({r["unit"] for r in rows if r["unit"]})
        units: dict[str, Unit] = {}
        for chunk in chunks(unit_names):
            units.update({u.name: u for u in Unit.objects.filter(name__in=chunk)})
        prepared: list[tuple[Row, dict[str, Any]]] = []
        for row in rows:
            found = orgs.get(row["org"], [])
            if len(found) != 1:
                text = (
                    f"有 {len(found)} 个党组织名为「{row['org']}」，请改填组织编码。"
                    if found
                    else f"未找到党组织「{row['org']}」，或该组织不在您的管辖范围内、不能登记入党申请人。"
                )
                errors.append(RowError(row.number, col["org"], text))
                continue
            unit = units.get(row["unit"]) if row["unit"] else found[0].unit
            if row["unit"] and unit is None:
                errors.append(
                    RowError(
                        row.number,
                        col["unit"],
                        f"未找到单位「{row['unit']}」，请填写系统中已有的机关单位名称，或留空。",
                    )
                )
                continue
            fields = {
                "org": found[0],
                "name": row["name"],
                "gender": row["gender"] or "",
                "birth_date": row["birth_date"],
                "id_number": row["id_number"] or "",
                "phone": row["phone"] or "",
                "ethnicity": row["ethnicity"] or "汉族",
                "education": row["education"] or "",
                "unit": unit,
                "job_title": row["job_title"] or "",
                "applied_on": row["applied_on"],
            }
            prepared.append((row, fields))
        if errors:
            return errors
        # Each row through the service, in the framework's transaction: a refusal of any
        # row rolls back the rows registered before it.
        self._created = 0
        for row, fields in prepared:
            try:
                services.create_applicant(user, **fields)
            except OutOfScope:
                errors.append(RowError(row.number, col["org"], "该党组织不在您的管辖范围内。"))
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors.extend(RowError(row.number, col.get(name, ""), m) for m in messages)
            else:
                self._created += 1
        return errors

    def _duplicates(self, user: Any, rows: list[Row], column: str) -> list[RowError]:
        """ID numbers repeated in the file, or already registered for an applicant the
        importer may view (one IN query per thousand numbers)."""
        errors: list[RowError] = []
        first: dict[str, int] = {}
        for row in rows:
            number = row["id_number"]
            if not number:
                continue
            if number in first:
                errors.append(
                    RowError(row.number, column, f"与第 {first[number]} 行的身份证号重复。")
                )
            else:
                first[number] = row.number
        blinds = {blind_index(n): r for n, r in first.items()}
        for chunk in chunks(sorted(blinds)):
            found = (
                Applicant.objects.restrict(user, "view")
                .filter(id_number_blind__in=chunk)
                .values_list("id_number_blind", flat=True)
            )
            errors.extend(
                RowError(blinds[b], column, "该身份证号已登记为入党申请人。") for b in found
            )
        return errors

    def write(self, user: Any, rows: list[Row]) -> int:
        return getattr(self, "_created", 0)


importers.register(ApplicantImporter.name, ApplicantImporter)
