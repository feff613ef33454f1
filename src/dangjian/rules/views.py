"""Pages of the rules app: the library with citations and switches, the compliance heatmap
with its drill-down, and exemptions (declarative views on the core generic views)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from dangjian.core.bounds import parse_id
from dangjian.core.scoping import holds, scope_paths
from dangjian.core.views import ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView
from dangjian.orgs.models import Organization

from . import compliance_lists, heatmap, rollup, services
from .evaluator import VIEW_PERM, Status, evaluate
from .filtersets import RuleExemptionFilterSet
from .forms import ExemptionForm
from .loader import get_library
from .models import RuleExemption
from .schema import KIND_LABELS
from .switches import enabled_rules, switches
from .tables import RuleExemptionTable

FIRST_YEAR = 2018  # 《支部工作条例（试行）》


def year_param(request) -> int:
    """`?year=`, defaulting to (and clamped to) the years that can be evaluated."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return today.year
    return year if FIRST_YEAR <= year <= today.year else today.year


def scope_roots(user: Any, *, tokens: bool = False) -> list[Organization]:
    """The top org of each subtree the user may see compliance of (`tokens`: with the
    compliance roll-ups' tokens, `rollup.with_tokens`)."""
    paths = scope_paths(user, VIEW_PERM)  # already minimal: one path per subtree
    if "" in paths:
        roots = Organization.get_root_nodes()
    else:
        roots = Organization.objects.filter(path__in=paths).order_by("path")
    return list(rollup.with_tokens(roots) if tokens else roots)


def org_param(request, name: str, *, tokens: bool = False) -> Organization | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    pk = parse_id(raw)
    if pk is None:
        raise Http404(_("未找到该党组织。"))
    qs = Organization.objects.holding(request.user, VIEW_PERM)
    return get_object_or_404(rollup.with_tokens(qs) if tokens else qs, pk=pk)


def rule_param(request):
    rule_id = request.GET.get("rule", "")
    if not rule_id:
        return None
    library = get_library()
    if rule_id not in library or not library.get(rule_id).is_evaluated:
        raise Http404(_("没有这条按频次检查的规则。"))
    return library.get(rule_id)


class ComplianceAccessMixin(LoginRequiredMixin):
    """Any org role may see compliance (rules.view_compliance); others get 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not holds(request.user, VIEW_PERM):
            raise PermissionDenied(_("您没有查看制度落实情况的权限。"))
        return super().dispatch(request, *args, **kwargs)


class RuleListView(LoginRequiredMixin, TemplateView):
    """The rule library: every rule with its citation, verification badge and switch."""

    template_name = "rules/rule_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rules = list(get_library())
        state = switches(rules)
        groups: dict[str, list] = defaultdict(list)
        for rule in rules:
            groups[rule.kind].append((rule, state[rule.id]))
        ctx.update(
            groups=[(KIND_LABELS[k], groups[k]) for k in KIND_LABELS if groups.get(k)],
            can_switch=services.can_manage_switches(self.request.user),
            can_view_exemptions=holds(self.request.user, "rules.view_ruleexemption"),
            rule_count=len(rules),
            local_count=sum(1 for r in rules if r.local),
            unverified_count=sum(1 for r in rules if not r.citation.verified),
        )
        return ctx


class RuleDetailView(LoginRequiredMixin, TemplateView):
    template_name = "rules/rule_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        library = get_library()
        if kwargs["rule_id"] not in library:
            raise Http404(_("没有这条规则。"))
        rule = library.get(kwargs["rule_id"])
        user = self.request.user
        ctx.update(
            rule=rule,
            switch=switches([rule])[rule.id],
            can_switch=services.can_manage_switches(user),
        )
        if rule.is_evaluated and holds(user, VIEW_PERM):
            year = year_param(self.request)
            rules = [rule] if ctx["switch"].enabled else []
            summary = evaluate(user, year, rules=rules).summaries().get(rule.id)
            ctx.update(year=year, summary=summary, status_labels=Status.LABELS)
        if holds(user, "rules.view_ruleexemption"):
            ctx["exemptions"] = (
                RuleExemption.objects.restrict(user, "view")
                .filter(rule_id=rule.id)
                .select_related("org", "member")[:20]
            )
        return ctx


class RuleSwitchView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, rule_id: str):
        enabled = request.POST.get("enabled") == "1"
        try:
            services.set_rule_enabled(
                request.user, rule_id, enabled, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            rule = get_library().get(rule_id)
            messages.success(
                request, f"已{'启用' if enabled else '停用'}地方性规则“{rule.title}”。"
            )
        return redirect(request.POST.get("next") or reverse("rules:rule_list"))


@dataclass
class ComplianceScope:
    """What a compliance page is about: year, the subtree, the rule (all when None)."""

    year: int
    roots: list[Organization]
    root: Organization | None
    rule: Any
    rules: list

    def evaluate(self, user: Any):
        return evaluate(user, self.year, within=self.root, rules=self.rules)

    def params(self, **extra: Any) -> str:
        values: dict[str, Any] = {"year": self.year}
        if self.root is not None:
            values["within"] = self.root.pk
        if self.rule:
            values["rule"] = self.rule.id
        values.update(extra)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def compliance_scope(request) -> ComplianceScope:
    roots = scope_roots(request.user, tokens=True)
    root = org_param(request, "within", tokens=True) or (roots[0] if roots else None)
    rule = rule_param(request)
    rules = [r for r in ([rule] if rule else enabled_rules()) if r.is_evaluated]
    return ComplianceScope(year_param(request), roots, root, rule, rules)


def compliance_export(request, scope: ComplianceScope):
    """`?export=xlsx` of the compliance pages: every level of the subtree (core.excel)."""
    if scope.root is None:
        raise Http404(_("没有可导出的组织。"))
    return compliance_lists.xlsx_download(
        request.user,
        scope.evaluate(request.user),
        scope.root,
        scope.rule.title if scope.rule else "",
    )


# Above this many rows the every-level map is not drawn (the city has ~2,000 orgs): the page
# keeps one row per child, each opening its own map; the export still has every level.
ALL_LEVELS_MAX = 400


class ComplianceView(ComplianceAccessMixin, TemplateView):
    """Heatmap orgs × months for a subtree and a year: every level of a unit, the units of
    the city (each a drill-down), worst first; the same figures folded as a table."""

    template_name = "rules/compliance.html"

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return compliance_export(request, compliance_scope(request))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        scope = compliance_scope(self.request)
        root, rule, year = scope.root, scope.rule, scope.year
        sort = self.request.GET.get("sort", "")
        sort = sort if sort in heatmap.SORTS else "worst"
        levels = self.request.GET.get("levels", "")
        if levels not in heatmap.LEVELS:
            levels = "children" if root is not None and root.depth == 1 else "all"
        rows: list[heatmap.HeatRow] = []
        summaries = {}
        too_many = False
        if root is not None:
            rule_id = rule.id if rule else None
            # A root's roll-ups are one per child: the children are needed either way.
            children = (
                list(
                    rollup.with_tokens(
                        Organization.objects.holding(user, VIEW_PERM).children_of(root)
                    )
                )
                if levels == "children" or root.depth == 1
                else None
            )
            # The city's one row per unit reads only the units' totals.
            totals_only = levels == "children" and root.depth == 1
            parts = rollup.load(
                user, year, root, scope.rules, children=children, orgs=not totals_only
            )
            if levels == "all":
                rows = heatmap.rollup_all_rows(parts, root, rule_id, year, sort)
                too_many = len(rows) > ALL_LEVELS_MAX
            if levels == "children" or too_many:
                if children is None:
                    children = list(Organization.objects.holding(user, VIEW_PERM).children_of(root))
                rows = heatmap.rollup_rows(parts, root, children, rule_id, year, sort)
                levels = "children"
            summaries = rollup.summaries(parts, scope.rules)
        ancestors = (
            list(Organization.objects.holding(user, VIEW_PERM).ancestors_of(root))
            if root is not None
            else []
        )
        behind = reverse("rules:compliance_behind")
        chart = heatmap.chart_option(rows, year) if rows else None
        ctx.update(
            title=_("制度落实情况"),
            year=year,
            years=list(range(timezone.localdate().year, FIRST_YEAR - 1, -1)),
            root=root,
            roots=roots_links(scope.roots, year),
            ancestors=ancestors,
            rule=rule,
            rule_choices=[r for r in get_library() if r.is_evaluated],
            rows=rows,
            months=heatmap.MONTH_LABELS,
            chart=chart,
            chart_script=heatmap.chart_script(chart, "compliance-chart") if chart else "",
            chart_height=heatmap.chart_height(rows),
            summaries=[
                (r, summaries[r.id], f"{behind}?{scope.params(rule=r.id)}")
                for r in scope.rules
                if r.id in summaries
            ],
            sort=sort,
            sorts=[(k, v, scope.params(sort=k, levels=levels)) for k, v in heatmap.SORTS.items()],
            levels=levels,
            level_links=[
                (k, v, scope.params(sort=sort, levels=k)) for k, v in heatmap.LEVELS.items()
            ],
            too_many=too_many,
            export_query=scope.params(export="xlsx"),
            behind_url=f"{behind}?{scope.params()}",
        )
        return ctx


def roots_links(roots: list[Organization], year: int) -> list[tuple[Organization, str]]:
    return [(r, urlencode({"within": r.pk, "year": year})) for r in roots]


class ComplianceBehindView(ComplianceAccessMixin, TemplateView):
    """未达标组织: every org of the subtree (all levels) that missed a rule in the year."""

    template_name = "rules/compliance_behind.html"
    per_page = 50

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return compliance_export(request, compliance_scope(request))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        scope = compliance_scope(self.request)
        rows: list = []
        root = scope.root
        if root is not None:
            user = self.request.user
            # From the cached roll-ups, as the heatmap (a root's parts are its children).
            children = (
                list(
                    rollup.with_tokens(
                        Organization.objects.holding(user, VIEW_PERM).children_of(root)
                    )
                )
                if root.depth == 1
                else None
            )
            parts = rollup.load(
                user, scope.year, root, scope.rules, children=children, orgs=False, behind=True
            )
            rows = compliance_lists.rollup_behind_rows(
                parts,
                root,
                children,
                scope.rules,
                scope.year,
                scope.rule.id if scope.rule else None,
            )
        page = Paginator(rows, self.per_page).get_page(self.request.GET.get("page"))
        ctx.update(
            title=_("未达标组织"),
            year=scope.year,
            root=scope.root,
            rule=scope.rule,
            rows=page.object_list,
            page_obj=page,
            total=len(rows),
            missed=sum(r.missed for r in rows),
            export_query=scope.params(export="xlsx"),
            back=f"{reverse('rules:compliance')}?{scope.params()}",
        )
        return ctx


class ComplianceCellView(ComplianceAccessMixin, TemplateView):
    """Drill-down of one heatmap cell: each result judged that month, its rule and records."""

    template_name = "rules/compliance_cell.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        org = org_param(self.request, "org")
        if org is None:
            raise Http404(_("未找到该党组织。"))
        try:
            month = int(self.request.GET.get("month", ""))
        except ValueError:
            month = 0
        if not 1 <= month <= 12:
            raise Http404(_("月份应为 1 到 12。"))
        year = year_param(self.request)
        rule = rule_param(self.request)
        rules = [rule] if rule else [r for r in enabled_rules() if r.is_evaluated]
        evaluation = evaluate(self.request.user, year, within=org, rules=rules)
        only = self.request.GET.get("only") == "1"  # the org's own results, not its subtree's
        # What needs attention first: shortfalls, then exemptions, running periods, passes.
        order = {
            Status.NONCOMPLIANT: 0,
            Status.EXEMPT: 1,
            Status.NOT_DUE: 2,
            Status.COMPLIANT: 3,
            Status.NOT_APPLICABLE: 4,
        }
        cells = sorted(
            (
                c
                for c in evaluation.cells
                if c.period.last_month == month
                and c.status != Status.NOT_APPLICABLE
                and (not only or c.org_id == org.pk)
            ),
            key=lambda c: (order[c.status], evaluation.orgs[c.org_id].path, c.rule_id),
        )
        activities_url = _activities_url()
        rows = [
            {
                "cell": c,
                "org": evaluation.orgs[c.org_id],
                "rule": evaluation.rule(c.rule_id),
                "activities": f"{activities_url}?org={c.org_id}&date_after={c.period.start:%Y-%m-%d}&date_before={c.period.end:%Y-%m-%d}"
                if activities_url
                else "",
            }
            for c in cells
        ]
        ctx.update(
            title=f"{org.name} · {year}年{month}月",
            org=org,
            year=year,
            month=month,
            rule=rule,
            rows=rows,
            month_start=dt.date(year, month, 1),
            activities_url=activities_url,
            back=f"{reverse('rules:compliance')}?within={org.pk}&year={year}"
            + (f"&rule={rule.id}" if rule else ""),
        )
        return ctx


def _activities_url() -> str:
    try:
        return reverse("activities:activity_list")
    except NoReverseMatch:  # the activities pages are not wired
        return ""


# --- exemptions --------------------------------------------------------------------------


class ExemptionListView(ObjectListView):
    queryset = RuleExemption.objects.select_related("org", "member")
    table = RuleExemptionTable
    filterset = RuleExemptionFilterSet
    title = "规则豁免"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"add_url": reverse("rules:exemption_add")}


class ExemptionDetailView(ObjectDetailView):
    queryset = RuleExemption.objects.select_related("org", "member", "recorded_by")
    template_name = "rules/exemption_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        library = get_library()
        rule_id = ctx["object"].rule_id
        ctx["rule"] = library.get(rule_id) if rule_id in library else None
        ctx["can_delete"] = (
            RuleExemption.objects.restrict(self.request.user, "delete")
            .filter(pk=ctx["object"].pk)
            .exists()
        )
        return ctx


class ExemptionEditView(ObjectEditView):
    queryset = RuleExemption.objects.select_related("org", "member")
    form_class = ExemptionForm
    out_of_scope_message = gettext_lazy("保存后的豁免将超出您的管辖范围，已取消保存。")

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs:
            initial = services.exemption_defaults(timezone.localdate()) | initial
        return initial

    def save(self, form, instance):
        fields = {f: form.cleaned_data.get(f) for f in services.EXEMPTION_FIELDS}
        fields["approval_document"] = fields["approval_document"] or ""
        return services.save_exemption(self.request.user, instance, **fields)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"cancel_url": reverse("rules:exemption_list")}


class ExemptionDeleteView(ObjectDeleteView):
    queryset = RuleExemption.objects.select_related("org", "member")
    success_url = "rules:exemption_list"

    def delete(self, obj) -> None:
        services.delete_exemption(self.request.user, obj)
