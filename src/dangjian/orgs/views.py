"""Org tree, org/unit lists and details, org and term forms — declarative on core's generic views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from dangjian.core.bounds import parse_date, parse_id
from dangjian.core.scoping import has_any_scope, holds
from dangjian.core.views import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)

from . import services, termrules, tree
from .filtersets import OrganizationFilterSet, UnitFilterSet
from .forms import CommitteePostForm, OrganizationForm, TermForm
from .imports import OrganizationExporter
from .models import ACTIVE_MEMBERSHIP, CommitteePost, Organization, OrgStatus, Term, Unit
from .tables import OrganizationTable, UnitTable

MEMBER_PREVIEW = 20


def _member_model():
    # orgs sits below members (import-linter layers): reach the model through the relation.
    return Organization._meta.get_field("members").related_model


class OrgsEditView(ObjectEditView):
    """The orgs app's edit page: its own template and a way back to the tree."""

    template_name = "orgs/edit.html"
    extra_context = {"cancel_url": reverse_lazy("orgs:tree")}


# --- tree --------------------------------------------------------------------------------


class TreeView(ScopedViewMixin, TemplateView):
    """The user's visible subtree(s), one level below each root loaded; deeper levels lazily."""

    queryset = Organization.objects.all()
    template_name = "orgs/tree.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        text = self.request.GET.get("q", "").strip()
        if text:
            nodes, found, truncated = tree.search(user, text)
            ctx.update(q=text, found=found, truncated=truncated)
        else:
            open_org = None
            if (open_id := parse_id(self.request.GET.get("open"))) is not None:
                open_org = self.get_queryset().filter(pk=open_id).first()
            nodes = tree.forest(user, open_org)
        ctx.update(nodes=nodes, title=_("组织架构"))
        return ctx


class TreeChildrenView(ScopedViewMixin, TemplateView):
    """htmx fragment: one level of children under an org."""

    queryset = Organization.objects.all()
    template_name = "orgs/_tree_nodes.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["nodes"] = tree.children(self.request.user, self.get_object())
        return ctx


# --- organizations ------------------------------------------------------------------------


class OrganizationListView(ObjectListView):
    queryset = Organization.objects.all()
    table = OrganizationTable
    filterset = OrganizationFilterSet
    exporter = OrganizationExporter()
    template_name = "orgs/organization_list.html"
    extra_context = {"add_url": reverse_lazy("orgs:organization_add")}

    def get_queryset(self):
        # Annotations per request: term status depends on today's date.
        return super().get_queryset().select_related("unit").with_term_status().with_parent_name()


class OrganizationDetailView(ObjectDetailView):
    queryset = Organization.objects.all()
    template_name = "orgs/organization_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("unit").with_term_status()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        org = ctx["object"]
        children = tree.annotate_member_totals(
            [org, *Organization.objects.restrict(user, "view").children_of(org).with_term_status()]
        )
        terms = list(Term.objects.restrict(user, "view").filter(org=org).order_by("-started_on"))
        current = next((t for t in terms if t.ended_on is None), None)
        ctx.update(
            ancestors=Organization.objects.restrict(user, "view").ancestors_of(org),
            children=children[1:],
            member_total=org.member_total,
            terms=terms,
            current_term=current,
            posts=self._posts(current),
            can_add_child=bool(org.allowed_child_kinds())
            and not org.is_dissolved
            and holds(user, "orgs.add_organization", org.path),
            can_add_term=org.has_terms
            and not org.is_dissolved
            and holds(user, "orgs.add_term", org.path),
            can_change_term=holds(user, "orgs.change_term", org.path),
            can_add_post=current is not None
            and not org.is_dissolved
            and holds(user, "orgs.add_committeepost", org.path),
            can_change_post=holds(user, "orgs.change_committeepost", org.path),
            can_delete_post=holds(user, "orgs.delete_committeepost", org.path),
            status_labels=termrules.TermStatus.LABELS,
            **self._members(org),
        )
        return ctx

    def _posts(self, term: Term | None):
        if term is None:
            return []
        posts = (
            CommitteePost.objects.restrict(self.request.user, "view")
            .filter(term=term, dismissed_on__isnull=True)
            .select_related("member")
            .order_by("assigned_on", "pk")
        )
        rank = {value: i for i, value in enumerate(CommitteePost.Post.values)}  # 书记 first
        return sorted(posts, key=lambda p: rank.get(p.post, len(rank)))

    def _members(self, org: Organization) -> dict:
        member = _member_model()
        if not has_any_scope(self.request.user, member, "view"):
            return {"can_view_members": False}
        qs = member.objects.restrict(self.request.user, "view").filter(
            org=org, membership=ACTIVE_MEMBERSHIP
        )
        return {
            "can_view_members": True,
            "members": list(qs.order_by("name", "id")[:MEMBER_PREVIEW]),
            "member_preview": MEMBER_PREVIEW,
        }


class OrganizationDissolveView(ScopedViewMixin, View):
    """POST from the detail page: 撤销 through `services.dissolve_org`."""

    queryset = Organization.objects.all()
    action = "change"

    def post(self, request, *args, **kwargs):
        org = self.get_object()
        day = parse_date(request.POST.get("dissolved_on"))
        if day is None:
            messages.error(request, _("请填写撤销日期（格式：年-月-日）。"))
            return redirect(org.get_absolute_url())
        try:
            services.dissolve_org(request.user, org, day)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已撤销该组织。"))
        return redirect(org.get_absolute_url())


class OrganizationEditView(OrgsEditView):
    queryset = Organization.objects.all()
    form_class = OrganizationForm

    def save(self, form, instance):
        data = form.cleaned_data
        fields = {k: data[k] for k in OrganizationForm.Meta.fields if k != "parent"}
        parent = data.get("parent")
        if instance.pk is None:
            return services.create_org(self.request.user, parent, **fields)
        return services.update_org(self.request.user, instance, parent=parent, **fields)


# --- units ---------------------------------------------------------------------------------


class UnitListView(ObjectListView):
    queryset = Unit.objects.all()
    table = UnitTable
    filterset = UnitFilterSet

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("party_org")
            .annotate(
                org_total=Count("organizations", filter=Q(organizations__status=OrgStatus.ACTIVE))
            )
        )


class UnitDetailView(ObjectDetailView):
    queryset = Unit.objects.all()
    template_name = "orgs/unit_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("party_org")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        orgs = (
            Organization.objects.restrict(self.request.user, "view")
            .filter(unit=ctx["object"])
            .with_term_status()
        )
        ctx["orgs"] = tree.annotate_member_totals(list(orgs))
        return ctx


# --- terms ---------------------------------------------------------------------------------


class TermEditView(OrgsEditView):
    """Add: 登记换届 (the current term ends, the new one opens). Edit: correct a term record."""

    queryset = Term.objects.select_related("org")
    form_class = TermForm

    def save(self, form, instance):
        data = {k: v for k, v in form.cleaned_data.items() if k in form.fields}
        if instance.pk is None:
            org = data.pop("org")
            return services.start_term(
                self.request.user, org, data.pop("started_on"), data.pop("number"), **data
            )
        return services.update_term(self.request.user, instance, **data)


# --- committee posts (班子成员) ---------------------------------------------------------------


class CommitteePostEditView(OrgsEditView):
    """Add: 任命 a member to a post of the current term (`?term=` from the org page).
    Edit: correct the post or its dates, or record the 免职 date."""

    queryset = CommitteePost.objects.select_related("term__org", "member")
    form_class = CommitteePostForm
    template_name = "orgs/committeepost_edit.html"

    def save(self, form, instance):
        data = form.cleaned_data
        if instance.pk is None:
            return services.assign_post(
                self.request.user,
                data["term"],
                data["member"],
                data["post"],
                data.get("assigned_on"),
            )
        if form.instance.assigned_on is None:
            form.instance.assigned_on = instance.term.started_on
        return super().save(form, instance)

    def get(self, request, *args, **kwargs):
        if "pk" not in kwargs and parse_id(request.GET.get("term")) is None:
            messages.error(request, _("请在党组织页面的“班子成员”栏目中任命班子成员。"))
            return redirect("orgs:tree")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx.get("form")
        term = getattr(form, "chosen_term", None)
        ctx["term"] = term
        if term is not None:
            ctx["cancel_url"] = term.org.get_absolute_url()
        obj = ctx.get("object")
        ctx["can_delete"] = bool(
            obj is not None
            and obj.pk
            and CommitteePost.objects.restrict(self.request.user, "delete")
            .filter(pk=obj.pk)
            .exists()
        )
        return ctx


class CommitteePostDeleteView(ObjectDeleteView):
    """Delete a wrongly entered post record (a member leaving office is 免职, an edit)."""

    queryset = CommitteePost.objects.select_related("term__org", "member")

    def get_success_url(self, obj) -> str:
        return obj.get_absolute_url()
