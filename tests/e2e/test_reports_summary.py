"""年度工作总结 in a real browser: the 工委 chooses the year and scope, reads the preview
(each figure a link to its records) and downloads the Word file, which python-docx reads
back with the figures in it. On a phone (390 px) the same page works.
Screenshots: test-output/summary-preview-1440.png, summary-preview-390.png."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser

PASSWORD = "Zz9!abcdefg"


@pytest.fixture
def seeded(transactional_db, tree, make_user, monkeypatch):
    from dangjian.core.metrics import Metric, registry
    from dangjian.reports.summary import catalogue

    values = {metric_id: 11 + 3 * n for n, metric_id in enumerate(catalogue.SEED_IDS)}
    values["training.secretaries_trained"] = 1234
    for metric_id, value in values.items():
        known = catalogue.lookup(metric_id)
        monkeypatch.setitem(
            registry._metrics,
            metric_id,
            Metric(metric_id, known.label, known.unit, lambda scope, v=value: v),
        )
    admin = make_user("committee_admin", tree.root, username="gongwei_summary")
    return admin, values


def _preview(page, base, tree):
    page.goto(base + reverse("reports:summary"))
    page.select_option("#id_year", "2024")
    with page.expect_navigation():
        page.click("#summary-form button[type=submit]")
    page.wait_for_selector("#summary-preview")


def test_generate_preview_and_download(page, live_server, seeded, tree, sign_in, screenshot):
    from docx import Document

    admin, values = seeded
    sign_in(page, live_server.url, admin.username, PASSWORD)
    page.set_viewport_size({"width": 1440, "height": 900})
    _preview(page, live_server.url, tree)
    members = page.locator('#summary-preview a[data-metric="honors.excellent_members"]').first
    assert members.inner_text() == str(values["honors.excellent_members"])
    assert "/reports/metric/honors.excellent_members/" in members.get_attribute("href")
    assert page.locator('a[data-metric="training.secretaries_trained"]').first.inner_text() == (
        "1200余"
    )
    assert page.locator("#summary-preview img.dj-chart").count() >= 2
    screenshot(page, "summary-preview-1440")

    with page.expect_download() as info:
        page.click("#summary-download")
    download = info.value
    assert download.suggested_filename.endswith("2024年度工作总结.docx")
    doc = Document(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"对{values['honors.excellent_members']}名优秀共产党员" in text
    assert "对1200余名基层党组织书记" in text

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#summary-preview")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width  # nothing runs off a phone's screen
    screenshot(page, "summary-preview-390")


def test_out_of_range_year_in_the_address_is_explained(page, live_server, seeded, sign_in):
    admin, _ = seeded
    sign_in(page, live_server.url, admin.username, PASSWORD)
    response = page.goto(live_server.url + reverse("reports:summary") + "?year=1999")
    assert response.status == 400
    assert "年度应为" in page.locator(".alert-danger").inner_text()
