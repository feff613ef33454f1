"""The annual summary's services: generate a document, upload / activate / delete a template.

Generation reads every figure through the metrics registry with the asking user's scope;
the template (the document's form, not data) is the active one of the chosen org or of an
org above it — the 工委's own template applies to its whole tree — else the shipped default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from dangjian.core.bounds import YEAR_MIN
from dangjian.core.scoping import holds
from dangjian.core.services import ErrorCollector, emit, ensure_in_scope
from dangjian.orgs.models import Organization

from ..models import TEMPLATE_MAX_BYTES, SummaryTemplate
from . import engine

OUT_OF_SCOPE = "所选组织不存在，或不在您可查看的范围内，请重新选择。"


def year_bounds() -> tuple[int, int]:
    """A summary looks back: from the platform's first year to this year."""
    return YEAR_MIN, timezone.localdate().year


def year_message() -> str:
    lo, hi = year_bounds()
    return f"年度应为 {lo} 至 {hi} 之间的整数，例如 {hi - 1}。"


def default_scope(user: Any) -> Organization | None:
    """The user's topmost org (the 工委 for its admins, a unit for a unit's)."""
    return Organization.objects.restrict(user, "view").order_by("depth", "path").first()


def scope_org(user: Any, org_id: int | None) -> Organization:
    """The chosen org if the user may view it; SummaryError otherwise."""
    if org_id is None:
        org = default_scope(user)
    else:
        org = Organization.objects.restrict(user, "view").filter(pk=org_id).first()
    if org is None:
        raise engine.SummaryError(OUT_OF_SCOPE)
    return org


def template_for(org: Organization) -> SummaryTemplate | None:
    """The active template of the org or the nearest org above it."""
    paths = [
        org.path[:n] for n in range(Organization.steplen, len(org.path) + 1, Organization.steplen)
    ]
    candidates = SummaryTemplate.objects.filter(active=True, org__path__in=paths).select_related(
        "org"
    )
    return max(candidates, key=lambda t: len(t.org.path), default=None)


@dataclass
class Generated:
    data: bytes
    summary: engine.Summary
    org: Organization
    template: SummaryTemplate | None

    @property
    def filename(self) -> str:
        return f"{self.org.name}{self.summary.year}年度工作总结.docx"


def generate(
    user: Any,
    year: int,
    org: Organization,
    *,
    preview: bool = False,
    base_url: str = "",
) -> Generated:
    """Render the year's summary for the org's subtree as the user sees it. Raises
    SummaryError (Chinese) when the year is out of range or has no records to state."""
    lo, hi = year_bounds()
    if not isinstance(year, int) or not lo <= year <= hi:
        raise engine.SummaryError(year_message())
    template = template_for(org)
    summary = engine.Summary(
        user=user,
        year=year,
        within=org,
        scope_name=org.name,
        template=bytes(template.content) if template else None,
        preview=preview,
        base_url=base_url,
    )
    data = summary.render()
    if not summary.has_data():
        raise engine.SummaryError(
            f"{org.name}在{year}年没有可统计的记录（各项数字均为零或暂无），未生成年度工作总结。请选择其他年度或组织。"
        )
    return Generated(data, summary, org, template)


def record_export(user: Any, result: Generated) -> None:
    """The export audit event every download writes (the page's and the command line's)."""
    emit(
        "export",
        None,
        user=user,
        model="reports.summary",
        year=result.summary.year,
        org=result.org.pk,
        figures=len(result.summary.figures),
        template=result.template.pk if result.template else None,
    )


# --- templates --------------------------------------------------------------------------


def upload_template(
    user: Any, *, org: Organization, name: str, upload: Any, active: bool = True
) -> SummaryTemplate:
    """Check the uploaded .docx (every placeholder, every metric id, a trial render), then
    store it in one transaction; refused → nothing saved. `active` replaces the org's
    current template."""
    errors = ErrorCollector()
    name = (name or "").strip()
    if not name:
        errors.add("name", "请填写模板名称。")
    elif len(name) > 100:
        errors.add("name", "模板名称不能超过 100 个字。")
    file_name = str(getattr(upload, "name", "") or "")
    size = int(getattr(upload, "size", 0) or 0)
    data = b""
    if upload is None:
        errors.add("file", "请选择要上传的 Word 模板（.docx）。")
    elif not file_name.lower().endswith(".docx"):
        errors.add("file", "模板须为 Word 文档（.docx）。")
    elif size > TEMPLATE_MAX_BYTES:
        errors.add("file", f"模板文件不能超过 {TEMPLATE_MAX_BYTES // (1024 * 1024)} MB。")
    else:
        data = upload.read()
        try:
            ids = engine.check_template(data)
        except engine.TemplateInvalid as exc:
            for problem in exc.problems:
                errors.add("file", str(problem))
    if org is None or not holds(user, "reports.add_summarytemplate", org.path):
        errors.add("org", OUT_OF_SCOPE)
    errors.raise_if_any()
    with transaction.atomic():
        if active:
            SummaryTemplate.objects.filter(org=org, active=True).update(active=False)
        template = SummaryTemplate.objects.create(
            org=org,
            name=name,
            file_name=file_name[-200:],
            content=data,
            size=len(data),
            metric_ids=ids,
            active=active,
            uploaded_by=user if getattr(user, "pk", None) else None,
        )
        ensure_in_scope(user, template, "add")
        emit("create", template, user=user)
    return template


def set_active(user: Any, template: SummaryTemplate, active: bool) -> SummaryTemplate:
    ensure_in_scope(user, template, "change")
    with transaction.atomic():
        if active:
            SummaryTemplate.objects.filter(org=template.org_id, active=True).exclude(
                pk=template.pk
            ).update(active=False)
        template.active = active
        template.save(update_fields=["active", "updated"])
        emit("update", template, user=user, after={"active": active})
    return template


def delete_template(user: Any, template: SummaryTemplate) -> None:
    ensure_in_scope(user, template, "delete")
    with transaction.atomic():
        emit("delete", template, user=user)
        template.delete()
