"""Import organizations from the xlsx template; export the org list (DESIGN §11).

A row names its parent by name or 组织编码: an org already in the importer's
`orgs.add_organization` scope, or a row earlier in the same file. Kinds follow
`Organization.clean_parent`. A unit-level 机关党组织 may name a 所属单位 that does not exist
yet: the unit is created with it (given `orgs.add_unit` over the parent). Other rows
inherit their parent's unit when the column is blank.

Writing goes through treebeard's `add_child`, parents before children (file order): about
1 s per thousand rows, which is fast enough for a tree import (the whole city has ~1,200
orgs), and it keeps path arithmetic in one place.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import excel
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

from .models import Organization, OrgKind, OrgStatus, Unit, UnitOrgForm
from .tree import annotate_member_totals


@dataclass
class _Pending:
    """A row on its way to becoming an org."""

    row: Row
    org: Organization
    parent: Any = None  # an Organization from the database, or an earlier _Pending
    unit: Unit | None = None  # existing or to-be-created unit
    new_unit: bool = False
    link_unit: bool = False  # set unit.party_org to this org
    saved: Organization | None = None

    @property
    def path_key(self) -> Any:
        return id(self)


@dataclass
class _Database:
    """What the file's references match in the database, loaded in a few IN queries."""

    by_code: dict[str, list[Organization]]  # candidate parents in the importer's add scope
    by_name: dict[str, list[Organization]]
    orgs: dict[int, Organization]  # one instance per org: add_child keeps its numchild current
    used_codes: set[str]  # codes of the file already taken anywhere (codes are unique)
    taken_names: set[tuple[str, str]]  # (parent path, child name) already in the tree

    @classmethod
    def load(cls, parents: QuerySet[Organization], rows: list[Row]) -> _Database:
        db = cls(defaultdict(list), defaultdict(list), {}, set(), set())
        refs = sorted({r["parent"] for r in rows})
        for chunk in chunks(refs):
            found = parents.filter(Q(code__in=chunk) | Q(name__in=chunk))
            # Locked: treebeard computes the new children's paths from these parents.
            wanted = set(chunk)
            for fetched in found.select_for_update():
                org = db.orgs.setdefault(fetched.pk, fetched)
                if org.code in wanted:
                    db.by_code[org.code].append(org)
                if org.name in wanted:
                    db.by_name[org.name].append(org)
        for chunk in chunks(sorted({r["code"] for r in rows if r["code"]})):
            db.used_codes.update(
                Organization.objects.filter(code__in=chunk).values_list("code", flat=True)
            )
        steplen = Organization.steplen
        for chunk in chunks(sorted({r["name"] for r in rows})):
            found_names = Organization.objects.filter(name__in=chunk).values_list("path", "name")
            db.taken_names.update((path[:-steplen], name) for path, name in found_names)
        return db


def orgs_by_reference(scope: QuerySet[Organization], refs) -> dict[str, list[Organization]]:
    """Import references (组织编码 first, else name) → matching orgs of `scope` (e.g.
    `Organization.objects.holding(user, perm)`), chunked queries.

    Shared by every importer whose rows name an org (members, activities).
    """
    refs = sorted(set(refs))
    by_code: dict[str, list[Organization]] = defaultdict(list)
    by_name: dict[str, list[Organization]] = defaultdict(list)
    for chunk in chunks(refs):
        wanted = set(chunk)
        for org in scope.filter(Q(code__in=chunk) | Q(name__in=chunk)):
            if org.code in wanted:
                by_code[org.code].append(org)
            if org.name in wanted:
                by_name[org.name].append(org)
    return {ref: by_code.get(ref) or by_name.get(ref, []) for ref in refs}


class OrganizationImporter(Importer):
    name = "organizations"
    label = gettext_lazy("党组织")
    description = gettext_lazy("批量新增党组织（可一次导入一棵子树：上级组织排在下级之前）。")
    model = Organization
    columns = [
        Column(
            "name",
            gettext_lazy("组织名称"),
            required=True,
            parser=excel.text(128),
            width=28,
            help=gettext_lazy("党组织全称。"),
            example="甲局机关第二党支部",
        ),
        Column(
            "kind",
            gettext_lazy("组织类别"),
            required=True,
            parser=excel.choice(OrgKind.choices),
            help=gettext_lazy("机关党组织、党组、党委、党总支、党支部或党小组。"),
            example="党支部",
        ),
        Column(
            "parent",
            gettext_lazy("上级组织"),
            required=True,
            parser=excel.text(128),
            width=28,
            aliases=("上级党组织",),
            help=gettext_lazy(
                "上级党组织的名称或组织编码：须是您管辖范围内已有的组织，或本文件中排在前面的行。"
            ),
            example="甲局机关党委",
        ),
        Column(
            "unit",
            gettext_lazy("所属单位"),
            parser=excel.text(128),
            width=20,
            help=gettext_lazy(
                "机关单位名称；留空则与上级组织相同。新设机关党组织时可填写新单位名称，将一并新增该单位。"
            ),
            example="甲局",
        ),
        Column("short_name", gettext_lazy("简称"), parser=excel.text(64), example="二支部"),
        Column(
            "established_on",
            gettext_lazy("成立日期"),
            parser=excel.date(),
            width=12,
            help=gettext_lazy("格式如 2020-01-31，不能晚于今天。"),
            example="2018-07-01",
        ),
        Column(
            "code",
            gettext_lazy("组织编码"),
            parser=excel.text(32),
            text_format=True,
            help=gettext_lazy("选填；填写时不能与已有组织重复。"),
            example="JA0102",
        ),
        Column(
            "unit_form",
            gettext_lazy("机关党组织形式"),
            parser=excel.choice(UnitOrgForm.choices),
            help=gettext_lazy(
                "仅机关党组织填写：机关党委（任期5年）、机关总支或机关支部（任期3年）；留空按机关党委。"
            ),
            example="",
        ),
    ]

    def validate_rows(self, user: Any, rows: list[Row]) -> list[RowError]:
        if not holds(user, "orgs.add_organization"):
            return [RowError(0, "", _("您没有新增党组织的权限。"))]
        col = {c.key: c.title for c in self.columns}
        errors: list[RowError] = []
        db = _Database.load(Organization.objects.holding(user, "orgs.add_organization"), rows)
        units = self._units(user, rows, list(db.orgs.values()))

        file_by_code: dict[str, _Pending] = {}
        file_by_name: dict[str, list[_Pending]] = defaultdict(list)
        file_siblings: set[tuple[Any, str]] = set()
        new_units: dict[str, _Pending] = {}
        self._pending: list[_Pending] = []
        for row in rows:
            org = Organization(
                kind=row["kind"],
                name=row["name"],
                short_name=row["short_name"] or "",
                established_on=row["established_on"],
                code=row["code"] or "",
                unit_form=row["unit_form"] or "",
            )
            p = _Pending(row, org)
            try:
                org.clean()  # a form only for a unit-level org; a unit org's defaults to 机关党委
            except ValidationError as exc:
                errors.append(RowError(row.number, col["unit_form"], exc.messages[0]))
            code = row["code"]
            if code:
                if code in file_by_code:
                    errors.append(
                        RowError(
                            row.number,
                            col["code"],
                            _("与第 %(n)s 行的组织编码重复。")
                            % {"n": file_by_code[code].row.number},
                        )
                    )
                elif code in db.used_codes:
                    errors.append(
                        RowError(
                            row.number,
                            col["code"],
                            _("组织编码「%(c)s」已被其他组织使用，请更换。") % {"c": code},
                        )
                    )
                else:
                    file_by_code[code] = p

            parent, problem = self._resolve_parent(row["parent"], db, file_by_code, file_by_name)
            if problem:
                errors.append(RowError(row.number, col["parent"], problem))
            else:
                p.parent = parent
                parent_org = parent.org if isinstance(parent, _Pending) else parent
                try:
                    org.clean_parent(parent_org)
                except ValidationError as exc:
                    errors.append(RowError(row.number, col["parent"], exc.messages[0]))
                if parent_org.status == OrgStatus.DISSOLVED:
                    errors.append(
                        RowError(
                            row.number,
                            col["parent"],
                            _("上级组织「%(p)s」已撤销，不能再设立下级组织。")
                            % {"p": parent_org.name},
                        )
                    )
                sibling_key = (
                    parent.path_key if isinstance(parent, _Pending) else parent.path,
                    row["name"],
                )
                if (
                    not isinstance(parent, _Pending) and sibling_key in db.taken_names
                ) or sibling_key in file_siblings:
                    errors.append(
                        RowError(
                            row.number,
                            col["name"],
                            _("上级组织「%(p)s」下已有同名组织「%(n)s」。")
                            % {"p": parent_org.name, "n": row["name"]},
                        )
                    )
                file_siblings.add(sibling_key)
                problem = self._resolve_unit(user, p, units, new_units)
                if problem:
                    errors.append(RowError(row.number, col["unit"], problem))
            file_by_name[row["name"]].append(p)
            self._pending.append(p)
        return errors

    @staticmethod
    def _resolve_parent(ref: str, db: _Database, file_by_code, file_by_name) -> tuple[Any, str]:
        """The parent a reference names: by 组织编码 first, then by name; else why not."""
        by_code = list(db.by_code.get(ref, ())) + (
            [file_by_code[ref]] if ref in file_by_code else []
        )
        if len(by_code) == 1:
            return by_code[0], ""
        if by_code:
            return None, _("组织编码「%(r)s」对应 %(n)s 个党组织，请联系工委管理员核对编码。") % {
                "n": len(by_code),
                "r": ref,
            }
        candidates = list(db.by_name.get(ref, ())) + list(file_by_name.get(ref, ()))
        if len(candidates) == 1:
            return candidates[0], ""
        if candidates:
            return None, _("有 %(n)s 个党组织名为「%(r)s」，请改填上级组织的组织编码。") % {
                "n": len(candidates),
                "r": ref,
            }
        return None, _(
            "未找到上级组织「%(r)s」：应填写您管辖范围内已有组织的名称或组织编码，或本文件中排在前面的行。"
        ) % {"r": ref}

    def _units(self, user: Any, rows: list[Row], parents: list[Organization]) -> dict[str, Unit]:
        """Units the user may name: those in view scope, plus the units of their in-scope parent orgs."""
        names = sorted({r["unit"] for r in rows if r["unit"]})
        found: dict[str, Unit] = {}
        parent_unit_ids = {o.unit_id for o in parents if o.unit_id}
        if parent_unit_ids:
            found.update({u.name: u for u in Unit.objects.filter(pk__in=parent_unit_ids)})
        visible = Unit.objects.restrict(user, "view")
        for chunk in chunks(names):
            found.update({u.name: u for u in visible.filter(name__in=chunk)})
        missing = [n for n in names if n not in found]
        self._unit_names_taken: set[str] = set()
        for chunk in chunks(missing):
            self._unit_names_taken.update(
                Unit.objects.filter(name__in=chunk).values_list("name", flat=True)
            )
        return found

    def _resolve_unit(
        self, user: Any, p: _Pending, units: dict[str, Unit], new_units: dict[str, _Pending]
    ) -> str:
        """Blank: inherit the parent's unit when written. Else an existing unit, or a new one for a 机关党组织."""
        name = p.row["unit"]
        if not name:
            return ""
        is_unit_party = p.org.kind == OrgKind.UNIT_PARTY
        if name in units:
            unit = units[name]
            if is_unit_party and unit.party_org_id:
                return _("单位「%(u)s」已有单位党组织，不能再设立机关党组织。") % {"u": name}
            p.unit, p.link_unit = unit, is_unit_party
            return ""
        if name in new_units:
            first = new_units[name]
            if is_unit_party:
                return _("与第 %(n)s 行新增的是同一个单位，每个单位只能有一个机关党组织。") % {
                    "n": first.row.number
                }
            p.unit = first.unit
            return ""
        if not is_unit_party:
            return _("未找到单位「%(u)s」：请填写已有单位的名称，或留空以沿用上级组织的单位。") % {
                "u": name
            }
        if name in self._unit_names_taken:
            return _(
                "无法使用单位「%(u)s」：该单位已存在但不在您的管辖范围内，请联系工委管理员。"
            ) % {"u": name}
        parent_path = p.parent.org.path if isinstance(p.parent, _Pending) else p.parent.path
        if not holds(user, "orgs.add_unit", parent_path):
            return _("您没有新增单位的权限，请先由工委管理员新增单位「%(u)s」。") % {"u": name}
        p.unit, p.new_unit, p.link_unit = Unit(name=name), True, True
        new_units[name] = p
        return ""

    def write(self, user: Any, rows: list[Row]) -> int:
        Unit.objects.bulk_create([p.unit for p in self._pending if p.new_unit])
        for p in self._pending:
            # Parents come first in the file, so a pending parent is already saved.
            parent = p.parent.saved if isinstance(p.parent, _Pending) else p.parent
            assert parent is not None
            p.org.unit_id = p.unit.pk if p.unit is not None else parent.unit_id
            # add_child reuses the parent instance, whose numchild it keeps current.
            p.saved = parent.add_child(instance=p.org)
        linked = []
        for p in self._pending:
            if p.link_unit and p.unit is not None:
                p.unit.party_org = p.saved
                linked.append(p.unit)
        Unit.objects.bulk_update(linked, ["party_org"])
        return len(self._pending)


class OrganizationExporter(Exporter):
    label = gettext_lazy("党组织")
    columns = [
        ExportColumn(gettext_lazy("组织名称"), "name", 28),
        ExportColumn(gettext_lazy("组织类别"), "get_kind_display"),
        ExportColumn(gettext_lazy("上级组织"), "export_parent_name", 28),
        ExportColumn(gettext_lazy("所属单位"), "unit.name", 20),
        ExportColumn(gettext_lazy("简称"), "short_name"),
        ExportColumn(gettext_lazy("成立日期"), "established_on", 12),
        ExportColumn(gettext_lazy("组织编码"), "code"),
        ExportColumn(gettext_lazy("状态"), "get_status_display", 8),
        # The list's two figures (换届状态 from the list's annotation, 党员数 of the subtree).
        ExportColumn(gettext_lazy("换届状态"), "term_status_label", 12),
        ExportColumn(gettext_lazy("党员数"), "member_total", 8),
        ExportColumn(gettext_lazy("机关党组织形式"), "get_unit_form_display", 12),
    ]

    def response(self, user: Any, queryset: Any, filters: dict[str, Any] | None = None):
        if "term_status" not in queryset.query.annotations:
            queryset = queryset.with_term_status()
        return super().response(user, queryset.select_related("unit"), filters)

    def prepare_chunk(self, user: Any, objs: list[Any]) -> None:
        # Parent names in one query per chunk, and only of parents the user may view.
        steplen = Organization.steplen
        paths = sorted({o.path[:-steplen] for o in objs if o.depth > 1})
        names: dict[str, str] = {}
        for chunk in chunks(paths):
            found = Organization.objects.restrict(user, "view").filter(path__in=chunk)
            names.update(found.values_list("path", "name"))
        for o in objs:
            o.export_parent_name = names.get(o.path[:-steplen], "")
        annotate_member_totals(objs)  # one aggregate query per chunk


importers.register(OrganizationImporter.name, OrganizationImporter)
