"""A unit-level org is a 机关党委, 机关总支 or 机关支部 and its term length follows
(《中国共产党党和国家机关基层组织工作条例》第五、六、七条): form, API, import, export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEvent
from dangjian.core.scoping import SYSTEM
from dangjian.orgs import services, termrules
from dangjian.orgs.imports import OrganizationImporter
from dangjian.orgs.models import Organization, OrgKind, Term, UnitOrgForm

from .helpers import make_term

pytestmark = pytest.mark.django_db
D = dt.date


def test_term_length_follows_the_form():
    forms = termrules.unit_form_rules()
    assert {f: r.years for f, r in forms.items()} == {
        "party_committee": 5,
        "general_branch": 3,
        "branch": 3,
    }
    assert forms["general_branch"].citation["article"] == "第六条"
    assert forms["branch"].citation["article"] == "第七条"
    assert termrules.term_rule(OrgKind.UNIT_PARTY, "branch").years == 3
    assert termrules.term_rule(OrgKind.UNIT_PARTY).years == 5  # unrecorded: 机关党委


@pytest.mark.parametrize(
    ("form", "due"),
    [
        (UnitOrgForm.PARTY_COMMITTEE, D(2027, 3, 1)),
        (UnitOrgForm.GENERAL_BRANCH, D(2025, 3, 1)),
        (UnitOrgForm.BRANCH, D(2025, 3, 1)),
    ],
)
def test_planned_end_of_a_unit_org_by_its_form(tree, form, due):
    Organization.objects.filter(pk=tree.unit_a.pk).update(unit_form=form)
    unit = Organization.objects.get(pk=tree.unit_a.pk)
    assert make_term(unit, D(2022, 3, 1)).planned_end_on == due


def test_new_unit_org_defaults_to_committee_and_others_refuse_a_form(tree):
    org = services.create_org(SYSTEM, tree.root, kind=OrgKind.UNIT_PARTY, name="丙局机关党委")
    assert org.unit_form == UnitOrgForm.PARTY_COMMITTEE
    small = services.create_org(
        SYSTEM, tree.root, kind=OrgKind.UNIT_PARTY, name="丁局机关支部", unit_form="branch"
    )
    assert small.unit_form == "branch" and small.kind_display == "机关支部"
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_org(
            SYSTEM, tree.unit_a, kind=OrgKind.BRANCH, name="错", unit_form="general_branch"
        )
    assert "只有机关党组织" in str(exc.value)
    assert Organization.objects.count() == before


def test_changing_the_form_moves_the_current_terms_planned_end(tree):
    Organization.objects.filter(pk=tree.unit_a.pk).update(unit_form="party_committee")
    old = make_term(tree.unit_a, D(2016, 1, 10), number=1, ended_on=D(2021, 1, 10))
    current = make_term(tree.unit_a, D(2021, 1, 10), number=2)
    assert current.planned_end_on == D(2026, 1, 10)
    services.update_org(SYSTEM, tree.unit_a, unit_form="general_branch")
    current.refresh_from_db()
    old.refresh_from_db()
    assert current.planned_end_on == D(2024, 1, 10)  # 3 years for a 机关总支
    assert old.planned_end_on == D(2021, 1, 10)  # an ended term keeps its length
    event = AuditEvent.objects.filter(action="update", object_type="orgs.term").get()
    assert event.detail["operation"] == "term_length"


def test_form_change_that_breaks_an_extension_is_refused_whole(tree):
    Organization.objects.filter(pk=tree.unit_a.pk).update(unit_form="party_committee")
    # due 2026-01-10, extended to 2026-06-30: beyond a 机关总支's 2024-01-10 + 1 year
    make_term(tree.unit_a, D(2021, 1, 10), extension_approved=True, extended_to=D(2026, 6, 30))
    with pytest.raises(ValidationError):
        services.update_org(SYSTEM, tree.unit_a, unit_form="general_branch")
    assert Organization.objects.get(pk=tree.unit_a.pk).unit_form == "party_committee"
    assert Term.objects.get(org=tree.unit_a).planned_end_on == D(2026, 1, 10)


def test_the_form_page_records_the_form(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.post(
        reverse("orgs:organization_add"),
        {
            "parent": tree.root.pk,
            "kind": "unit_party",
            "unit_form": "general_branch",
            "name": "丙局机关总支",
        },
    )
    assert resp.status_code == 302, resp.content.decode()
    org = Organization.objects.get(name="丙局机关总支")
    assert org.unit_form == "general_branch"
    page = client.get(org.get_absolute_url()).content.decode()
    assert "机关党组织（机关总支）" in page
    resp = client.post(
        reverse("orgs:organization_add"),
        {"parent": tree.unit_a.pk, "kind": "branch", "unit_form": "branch", "name": "错"},
    )
    assert resp.status_code == 200 and "只有机关党组织" in resp.content.decode()
    assert not Organization.objects.filter(name="错").exists()


def test_api_reads_and_writes_the_form(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.patch(
        f"/api/orgs/{tree.unit_b.pk}/", {"unit_form": "branch"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["unit_form"] == "branch" and resp.json()["unit_form_label"] == "机关支部"
    resp = client.patch(
        f"/api/orgs/{tree.unit_b.pk}/", {"unit_form": "bureau"}, content_type="application/json"
    )
    assert resp.status_code == 400


def test_import_and_export_carry_the_form(tree, make_user):
    admin = make_user("committee_admin", tree.root)
    wb = OrganizationImporter().template_workbook()
    ws = wb["数据"]
    headers = [c.value for c in ws[1]]
    assert "机关党组织形式" in headers
    col = headers.index("机关党组织形式")
    row = ["丙局机关支部", "机关党组织", "示例市委直属机关工委", "丙局", "", "", "BJ00"]
    row += [None] * (col - len(row)) + ["机关支部"]
    bad = ["丙局第一党支部", "党支部", "丙局机关支部", "", "", "", ""]
    bad += [None] * (col - len(bad)) + ["机关总支"]
    ws.append(row)
    ws.append(bad)
    buf = io.BytesIO()
    wb.save(buf)
    result = OrganizationImporter().run(admin, buf.getvalue())
    assert not result.ok
    assert any("只有机关党组织" in e.message and e.row == 3 for e in result.errors)
    assert not Organization.objects.filter(code="BJ00").exists()  # all or nothing

    ws.delete_rows(3)
    buf = io.BytesIO()
    wb.save(buf)
    result = OrganizationImporter().run(admin, buf.getvalue())
    assert result.ok, result.errors
    assert Organization.objects.get(code="BJ00").unit_form == "branch"

    from dangjian.orgs.imports import OrganizationExporter

    resp = OrganizationExporter().response(admin, Organization.objects.restrict(admin, "view"))
    rows = list(load_workbook(io.BytesIO(b"".join(resp.streaming_content))).active.values)
    at = rows[0].index("机关党组织形式")
    assert {r[0]: r[at] for r in rows[1:]}["丙局机关支部"] == "机关支部"
