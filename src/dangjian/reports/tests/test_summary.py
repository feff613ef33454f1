"""The annual summary: every figure a metric reference, checked templates, CLI, pages."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document

from dangjian.core.metrics import Metric, MetricScope, registry
from dangjian.core.scoping import SYSTEM
from dangjian.core.testing.permissions import PermissionTestMixin
from dangjian.reports.models import SummaryTemplate
from dangjian.reports.summary import catalogue, engine, services

# Distinct values, one per seed figure, so a figure found in the text is its own metric's.
FAKE = {metric_id: 101 + 7 * n for n, metric_id in enumerate(catalogue.SEED_IDS)}
FAKE["training.secretaries_trained"] = 1234  # "余": stated 1200余
FAKE["integrity.risk_points"] = 1850  # 1800余
FAKE["integrity.measures"] = 2050  # 2000余
ABOUT = {"training.secretaries_trained", "integrity.risk_points", "integrity.measures"}


@pytest.fixture
def fake_seed(monkeypatch):
    """The 19 seed metrics replaced by constants (the mechanism, not the counting)."""
    for metric_id, value in FAKE.items():
        known = catalogue.lookup(metric_id)
        monkeypatch.setitem(
            registry._metrics,
            metric_id,
            Metric(metric_id, known.label, known.unit, lambda scope, v=value: v),
        )


def docx_text(data: bytes) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(data))
    body = "\n".join(p.text for p in doc.paragraphs)
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    return body, rows


def appendix(rows: list[list[str]]) -> dict[str, str]:
    """{metric id: value} from the appendix table (序号, 指标, 数值, 指标编号, 记录查询)."""
    return {r[3]: r[2] for r in rows if len(r) == 5 and r[0].isdigit()}


def stated(metric_id: str, value: int) -> str:
    return engine._about(value) if metric_id in ABOUT else str(value)


def test_each_seed_figure_is_stated_with_its_metric(tree, fake_seed):
    result = services.generate(SYSTEM, 2024, tree.root)
    body, rows = docx_text(result.data)
    listed = appendix(rows)
    for metric_id, value in FAKE.items():
        assert stated(metric_id, value) in body, metric_id  # in the prose
        assert listed[metric_id] == str(value), metric_id  # exact, with its id, in the appendix
    assert "1234" not in body and "1200余名基层党组织书记" in body
    # Each appendix row links to the records behind its figure, for that year and scope.
    links = {r[3]: r[4] for r in rows if len(r) == 5 and r[0].isdigit()}
    assert links["honors.excellent_members"].endswith(
        f"/reports/metric/honors.excellent_members/?year=2024&org={tree.root.pk}"
    )


def test_unregistered_module_says_not_available(tree, fake_seed, monkeypatch):
    monkeypatch.delitem(registry._metrics, "honors.excellent_members")
    result = services.generate(SYSTEM, 2024, tree.root)
    body, rows = docx_text(result.data)
    assert f"对{engine.UNAVAILABLE}名优秀共产党员" in body
    assert appendix(rows)["honors.excellent_members"] == engine.UNAVAILABLE
    assert str(FAKE["honors.excellent_party_workers"]) in body  # the others still stated


def test_about_is_at_least_the_figure_and_below_110_percent():
    for value in (100, 101, 999, 1000, 1099, 1234, 1850, 1999, 2050, 98765):
        text = engine._about(value)
        figure = int(text.rstrip("余"))
        assert figure <= value < 1.1 * figure, value
    assert engine._about(97) == "97"
    assert engine._about(1234) == "1200余"


def test_figures_are_scoped_to_the_user_and_the_chosen_org(tree, make_user):
    """orgs.unit_party_count over the user's subtree: the 工委 sees 2 units, unit A one."""
    committee = make_user("committee_admin", tree.root)
    unit = make_user("unit_admin", tree.unit_a)
    template = _template(['单位{{ m("orgs.unit_party_count") }}个'])
    whole = engine.Summary(user=committee, year=2024, within=tree.root, template=template)
    assert "单位2个" in docx_text(whole.render())[0]
    own = engine.Summary(user=unit, year=2024, within=tree.unit_a, template=template)
    assert "单位1个" in docx_text(own.render())[0]
    with pytest.raises(engine.SummaryError, match="不在您可查看的范围内"):
        services.scope_org(unit, tree.unit_b.pk)


# --- the tiny demo --------------------------------------------------------------------


@pytest.mark.django_db(transaction=False)
def test_tiny_demo_summary_states_each_computable_seed_figure():
    call_command(
        "demo", stdout=io.StringIO(), scale="tiny", today=dt.date(2025, 6, 1), verbosity=0, seed=3
    )
    from dangjian.orgs.models import Organization

    root = Organization.objects.order_by("depth", "path").first()
    result = services.generate(SYSTEM, 2024, root)
    body, rows = docx_text(result.data)
    listed = appendix(rows)
    computable = [i for i in catalogue.SEED_IDS if i in registry]
    assert {"orgs.unit_party_count", "study.seminar_count", "terms.renewal_sweep"} <= set(
        computable
    )
    for metric_id in catalogue.SEED_IDS:
        if metric_id not in registry:
            assert listed[metric_id] == engine.UNAVAILABLE
            continue
        value = registry.get(metric_id).value(MetricScope(SYSTEM, 2024, root))
        assert listed[metric_id] == engine.display(value), metric_id
        assert stated(metric_id, value) in body, metric_id


# --- checking templates ---------------------------------------------------------------


def _template(paragraphs: list[str]) -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_default_template_passes_its_own_checks():
    ids = engine.check_template(engine.DEFAULT_TEMPLATE.read_bytes())
    assert set(catalogue.SEED_IDS) <= set(ids)


def test_default_template_is_reproducible(tmp_path):
    from dangjian.reports.summary import build_default

    built = build_default.reproducible(build_default.wordfile.to_bytes(build_default.build()))
    assert built == engine.DEFAULT_TEMPLATE.read_bytes()


@pytest.mark.parametrize(
    ("paragraph", "placeholder", "message"),
    [
        (
            '共表彰{{ m("honors.excellent_member") }}名。',
            'm("honors.excellent_member")',
            "未知的指标编号「honors.excellent_member」",
        ),
        (
            '共表彰{{ m("honors.excellent_members" }}名。',
            'm("honors.excellent_members" ',
            "写法有误",
        ),
        (
            '共表彰{{ m("honors.excellent_members") 名。',
            '{{ m("honors.excellent_members") 名。',
            "不完整",
        ),
        ("共表彰{{ yaer }}名。", "yaer", "未知的名称「yaer」"),
        ("{{ m(name) }}", "m(name)", "带引号"),
    ],
)
def test_a_bad_placeholder_is_refused_with_its_paragraph(paragraph, placeholder, message):
    data = _template(["第一段没有占位符。", paragraph])
    with pytest.raises(engine.TemplateInvalid) as caught:
        engine.check_template(data)
    problem = caught.value.problems[0]
    assert problem.paragraph == paragraph
    assert placeholder in problem.placeholder
    assert message in problem.message or message in str(problem)
    assert f"段落「{paragraph}」" in str(problem)


def test_unpaired_block_is_refused():
    data = _template(['{%p for r in group("compliance.") %}', "{{ r.label }}"])
    with pytest.raises(engine.TemplateInvalid, match="缺少结束标签"):
        engine.check_template(data)


def test_word_curly_quotes_are_read_as_quotes():
    assert engine.check_template(_template(["共{{ m(“orgs.unit_party_count”) }}个"])) == [
        "orgs.unit_party_count"
    ]


def test_planned_but_unbuilt_metric_is_accepted(monkeypatch):
    monkeypatch.delitem(registry._metrics, "orgs.unit_party_count", raising=False)
    assert catalogue.lookup("orgs.unit_party_count").available is False
    assert engine.check_template(_template(['{{ m("orgs.unit_party_count") }}'])) == [
        "orgs.unit_party_count"
    ]


def test_upload_refused_saves_nothing(tree, make_user):
    admin = make_user("committee_admin", tree.root)
    bad = SimpleUploadedFile("t.docx", _template(['{{ m("no.such") }}']))
    with pytest.raises(Exception) as caught:
        services.upload_template(admin, org=tree.root, name="我的模板", upload=bad)
    assert "未知的指标编号「no.such」" in str(caught.value)
    assert not SummaryTemplate.objects.exists()
    junk = SimpleUploadedFile("t.docx", b"not a zip")
    with pytest.raises(Exception, match="不是有效的 Word 文档"):
        services.upload_template(admin, org=tree.root, name="我的模板", upload=junk)
    assert not SummaryTemplate.objects.exists()


def test_uploaded_template_is_used_below_its_org(tree, make_user, fake_seed):
    admin = make_user("committee_admin", tree.root)
    good = SimpleUploadedFile(
        "t.docx", _template(['{{ scope_name }}表彰{{ m("honors.excellent_members") }}名'])
    )
    template = services.upload_template(admin, org=tree.root, name="工委模板", upload=good)
    assert template.active and template.metric_ids == ["honors.excellent_members"]
    unit = make_user("unit_admin", tree.unit_a)
    result = services.generate(unit, 2024, tree.unit_a)
    assert result.template == template
    assert docx_text(result.data)[0] == f"甲局机关党委表彰{FAKE['honors.excellent_members']}名"
    services.set_active(admin, template, False)
    assert services.generate(unit, 2024, tree.unit_a).template is None


# --- bad input ------------------------------------------------------------------------


def test_year_without_records_is_a_clear_error(tree):
    with pytest.raises(engine.SummaryError, match="2005年没有可统计的记录"):
        services.generate(SYSTEM, 2005, tree.root)


def test_year_out_of_range_is_refused(tree):
    for year in (1999, services.year_bounds()[1] + 1):
        with pytest.raises(engine.SummaryError, match="年度应为"):
            services.generate(SYSTEM, year, tree.root)


# --- CLI ------------------------------------------------------------------------------


def test_cli_writes_the_document(tree, fake_seed, tmp_path):
    out = tmp_path / "summary.docx"
    stdout = io.StringIO()
    call_command("report", "summary", "--year", "2024", "-o", str(out), stdout=stdout)
    body, _rows = docx_text(out.read_bytes())
    assert str(FAKE["honors.excellent_members"]) in body
    assert "已生成" in stdout.getvalue()
    assert out.stat().st_mode & 0o777 == 0o600
    call_command(
        "report", "summary", "--year", "2024", "--scope", str(tree.unit_a.pk), "-o", str(out)
    )
    assert "甲局机关党委2024年机关党建工作总结" in docx_text(out.read_bytes())[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1999"], "年度应为"),
        (["--year", "abc"], "年度应为"),
        (["--year", "2024", "--scope", "999999"], "不在您可查看的范围内"),
        (["--year", "2024", "--scope", "x"], "不在您可查看的范围内"),
        (["--year", "2005"], "没有可统计的记录"),
    ],
)
def test_cli_bad_input(tree, tmp_path, args, message):
    out = tmp_path / "s.docx"
    with pytest.raises(CommandError, match=message):
        call_command("report", "summary", *args, "-o", str(out))
    assert not out.exists()


# --- pages ----------------------------------------------------------------------------


def test_preview_page_links_each_figure(client, tree, make_user, fake_seed):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("reports:summary"), {"year": 2024, "org": tree.root.pk})
    assert resp.status_code == 200
    html = resp.content.decode()
    value = FAKE["honors.excellent_members"]
    assert re.search(rf'data-metric="honors.excellent_members">{value}</a>', html)
    assert 'data-metric="training.secretaries_trained">1200余</a>' in html
    assert "下载 Word 文档" in html
    records = f"/reports/metric/honors.excellent_members/?year=2024&amp;org={tree.root.pk}"
    assert f'<a href="{records}">' in html  # the appendix's link, clickable
    download = client.get(reverse("reports:summary_download"), {"year": 2024, "org": tree.root.pk})
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert str(value) in docx_text(download.content)[0]
    from dangjian.audit.models import AuditEvent

    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.detail["model"] == "reports.summary" and event.detail["year"] == 2024


@pytest.mark.parametrize("year", ["1999", "abc", "99999999999999999999", "2100"])
def test_page_out_of_range_year_is_400(client, tree, make_user, year):
    client.force_login(make_user("committee_admin", tree.root))
    for name in ("reports:summary", "reports:summary_download"):
        resp = client.get(reverse(name), {"year": year})
        assert resp.status_code == 400
        assert "年度应为" in resp.content.decode()


def test_page_scope_outside_the_user_is_400(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    for name in ("reports:summary", "reports:summary_download"):
        resp = client.get(reverse(name), {"year": 2024, "org": tree.unit_b.pk})
        assert resp.status_code == 400
        assert "不在您可查看的范围内" in resp.content.decode()


def test_page_year_without_data_says_so(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    resp = client.get(reverse("reports:summary"), {"year": 2005})
    assert "没有可统计的记录" in resp.content.decode()
    assert "下载 Word 文档" not in resp.content.decode()


def test_member_account_and_templates_page_are_refused(client, tree, make_user):
    client.force_login(make_user("unit_admin", tree.unit_a))
    assert client.get(reverse("reports:summary")).status_code == 200
    assert client.get(reverse("reports:summary_templates")).status_code == 403


def test_upload_page_shows_the_paragraph_and_saves_nothing(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    bad = SimpleUploadedFile("t.docx", _template(['七一表彰{{ m("honors.nope") }}名']))
    resp = client.post(
        reverse("reports:summary_templates"), {"name": "新模板", "file": bad, "active": "on"}
    )
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "段落「七一表彰{{ m(&quot;honors.nope&quot;) }}名」" in html
    assert "未知的指标编号「honors.nope」" in html
    assert not SummaryTemplate.objects.exists()
    good = SimpleUploadedFile("t.docx", _template(['表彰{{ m("honors.excellent_members") }}名']))
    resp = client.post(reverse("reports:summary_templates"), {"name": "新模板", "file": good})
    assert resp.status_code == 302
    assert SummaryTemplate.objects.get().name == "新模板"


class TestSummaryTemplatePermissions(PermissionTestMixin):
    model = SummaryTemplate
    list_url = "reports:summary_templates"
    view_role = "committee_admin"
    write_role = "committee_admin"

    def list_marker(self, obj):
        return f'href="?download={obj.pk}"'

    def make_object(self, org):
        return SummaryTemplate.objects.create(
            org=org, name="模板", file_name="t.docx", content=_template(["x"]), active=True
        )


def test_template_list_queries_stay_constant(client, tree, make_user):
    """The 工委's template list: more templates, the same queries."""
    from pathlib import Path

    from dangjian.core.testing.querycount import (
        assert_query_count_constant,
        check_baseline,
        occurrences,
    )

    admin = make_user("committee_admin", tree.root)
    client.force_login(admin)
    content = _template(["x"])

    def add(n):
        for i in range(n):
            SummaryTemplate.objects.create(
                org=tree.root,
                name=f"模板{i}",
                file_name="t.docx",
                content=content,
                uploaded_by=admin,
            )

    add(1)
    count = assert_query_count_constant(
        client,
        reverse("reports:summary_templates"),
        lambda: add(12),
        rows=occurrences("?download="),
    )
    check_baseline(
        Path(__file__).with_name("summary_query_counts.json"), "reports:summary_templates", count
    )


def test_generated_docx_is_a4_with_fonts_page_numbers_and_charts(tree, fake_seed):
    from docx.oxml.ns import qn

    doc = Document(io.BytesIO(services.generate(SYSTEM, 2024, tree.root).data))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    title = doc.paragraphs[0]
    assert title.text == "奋力书写新时代机关党建新答卷"
    fonts = title.runs[0]._r.rPr.rFonts
    assert fonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body = next(p for p in doc.paragraphs if p.text.startswith("2024年，"))
    assert {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in body.runs} == {"仿宋"}
    footer = section.footer._element.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer
    pictures = [r for r in doc.part.rels.values() if r.reltype.endswith("/image")]
    assert len(pictures) == 2  # 七一表彰 and 清廉建设 charts, drawn on the server
    assert all(r.target_part.blob.startswith(b"\x89PNG") for r in pictures)
