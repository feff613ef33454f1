"""The rule pages in plain language (issue 9): a rule by its title and citation; its id and
library file only for the 工委 admin, who names rules in the deployment's settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dangjian.core.testing.pagetext import visible_text
from dangjian.rules.forms import exemptible_rule_choices
from dangjian.rules.loader import get_library
from dangjian.rules.models import RuleExemption

pytestmark = pytest.mark.django_db

RULE = "branch.member_assembly.quarterly"
TERM_RULE = "branch.term.length"


def page_text(client, url: str) -> str:
    resp = client.get(url)
    assert resp.status_code == 200
    return visible_text(resp.content.decode())


@pytest.mark.parametrize("role", ["branch_secretary", "party_member", "unit_admin"])
def test_the_people_who_use_the_rules_read_titles_never_ids_or_files(client, tree, make_user, role):
    org = tree.unit_a if role == "unit_admin" else tree.branch_a
    client.force_login(make_user(role, org))
    library = get_library()
    for url, rule in (
        (reverse("rules:rule_list"), RULE),
        (reverse("rules:rule_detail", args=[RULE]), RULE),
        (reverse("rules:rule_detail", args=[TERM_RULE]), TERM_RULE),
    ):
        text = page_text(client, url)
        assert library.get(rule).title in text
        assert not [r.id for r in library if r.id in text], url
        assert ".yaml" not in text and ".md" not in text and "library/" not in text, url
    assert "规则编号" not in page_text(client, reverse("rules:rule_detail", args=[RULE]))


def test_the_committee_admin_sees_the_id_the_settings_use(client, tree, make_user):
    client.force_login(make_user("committee_admin", tree.root))
    text = page_text(client, reverse("rules:rule_detail", args=[RULE]))
    assert f"部署配置中的规则编号：\n{RULE}" in text
    assert f"编号 {RULE}" in page_text(client, reverse("rules:rule_list"))


def test_the_member_is_not_sent_to_exemptions_they_cannot_open(client, tree, make_user):
    client.force_login(make_user("party_member", tree.branch_a))
    html = client.get(reverse("rules:rule_list")).content.decode()
    assert reverse("rules:exemption_list") not in html
    client.force_login(make_user("branch_secretary", tree.branch_a))
    html = client.get(reverse("rules:rule_list")).content.decode()
    assert reverse("rules:exemption_list") in html


def test_exemptions_name_the_rule_by_its_title(client, tree, make_user):
    exemption = RuleExemption.objects.create(
        org=tree.branch_a,
        rule_id="branch.theme_day.monthly",
        starts_on=dt.date(2024, 1, 1),
        reason="支部改组",
        approved_by="甲局机关党委",
    )
    title = get_library().get("branch.theme_day.monthly").title
    assert str(exemption) == f"甲局第一党支部 · {title}（2024-01-01 起）"
    assert all(
        label == get_library().get(value).title for value, label in exemptible_rule_choices()[1:]
    )
    client.force_login(make_user("unit_admin", tree.unit_a))
    for url in (
        reverse("rules:exemption_list"),
        reverse("rules:exemption_detail", args=[exemption.pk]),
        reverse("rules:exemption_edit", args=[exemption.pk]),
    ):
        text = page_text(client, url)
        assert title in text and "branch.theme_day.monthly" not in text, url
