"""Plain language on every page (issue 9): the people who use the platform every day never
read a rule id, a file path, a template code, a username, a command name or English.

Nothing is listed by hand: every page the URL resolver knows is rendered for a branch
secretary, a 组织委员, a party member, a unit admin and a read-only viewer of the small
branch world (conftest.py), each `<int:pk>` reaching a row of that branch.
"""

from __future__ import annotations

import re

import pytest

from dangjian.core.testing.pagetext import visible_text
from dangjian.core.testing.routes import PK, routes, urls_of
from dangjian.rules.loader import get_library

from .world import FRAMEWORK_CODE, PEOPLE

pytestmark = pytest.mark.django_db

ROLES_WALKED = ("k7sec", "k7org", "k7mem", "k7unit", "k7view")
RULE_ID = re.compile(r"\b[a-z]+(?:_[a-z]+)*(?:\.[a-z]+(?:_[a-z]+)*){2,}\b")
# Developer words: file paths, command lines, Python's and Django's own spellings.
DEVELOPER = re.compile(
    r"[\w/-]\.(?:ya?ml|py|md|json)\b|\bdangjian [a-z]|manage\.py|\bNone\b|\bTrue\b|\bFalse\b"
    r"|\b[a-z]+(?:[_-][a-z]+)+\b"  # identifiers and package names: basic_system, chinese-calendar
)
# English a Chinese interface should never show (whole words, case-sensitive as printed).
ENGLISH = re.compile(
    r"\b(?:Submit|Save|Cancel|Delete|Edit|Search|Filter|Next|Previous|Home|Login|Logout|"
    r"Dashboard|Settings|Loading|Back|Add|Create|Update|Close|Yes|No|Unknown|Error|API|"
    r"Import|Export|Download|Upload|Total|Page|Status|Name|Date|Actions|Details|YAML)\b"
)
# Pages that are not for reading: actions that answer with a redirect or a file, the
# integrators' API browser (the schema and Swagger UI are in English by nature).
NOT_PAGES = {"accounts:logout", "api-docs", "api-schema"}


def page_urls() -> list[tuple[str, str]]:
    rule_ids = [r.id for r in get_library()][:3]
    values = {
        "IntConverter": [str(PK)],
        "StringConverter": rule_ids,
        "SlugConverter": ["members", "activities", "organizations"],
    }
    found = []
    for route in routes():
        if route.is_api or route.name in NOT_PAGES:
            continue
        found += [(route.name, url) for url in urls_of(route, values)]
    return found


def problems(text: str) -> list[str]:
    found = []
    for rx in (RULE_ID, DEVELOPER, ENGLISH):
        found += [m.group(0) for m in rx.finditer(text)]
    known = {r.id for r in get_library()} | {FRAMEWORK_CODE} | set(PEOPLE)
    found += [word for word in known if word in text]
    return sorted(set(found))


def test_the_patterns_catch_what_they_should():
    bad = (
        "依据（branch.member_assembly.quarterly）",
        "来源文件：dangjian/rules/library/branch_work.yaml",
        "regulations.md：已见转载原文",
        "下载 YAML",
        "来源：chinese-calendar（国务院公布的放假安排）",
        "模板 basic_system",
        "提醒由每日运行的 dangjian remind 生成",
        "python manage.py remind",
        "状态 None",
        "操作人 k7unit",
        "模板代码 k7_basic_check",
        "API 文档",
        "Submit",
    )
    for text in bad:
        assert problems(text), text
    for text in ("导出 Excel", "共 3 条", "2024-05-10", "第 1.1 项", "身份证号 110***"):
        assert not problems(text), text


def test_no_page_shows_developer_words_to_the_people_who_use_it(client, branch_world):
    urls = page_urls()
    assert len(urls) > 60  # the walk reaches the whole site, not a handful of pages
    client.raise_request_exception = False  # a page that fails is reported with its URL
    leaks: dict[str, list[str]] = {}
    rendered = 0
    for username in ROLES_WALKED:
        client.force_login(branch_world.users[username])
        for name, url in urls:
            resp = client.get(url)
            if resp.status_code >= 500:
                leaks[f"{username} {url} ({name})"] = [f"HTTP {resp.status_code}"]
            if resp.status_code != 200 or "text/html" not in resp.get("Content-Type", ""):
                continue
            rendered += 1
            found = problems(visible_text(resp.content.decode()))
            if found:
                leaks[f"{username} {url} ({name})"] = found
    assert rendered > 150
    assert not leaks, "\n".join(f"{where}: {words}" for where, words in leaks.items())
