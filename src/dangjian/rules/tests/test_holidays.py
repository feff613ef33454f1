"""Holiday periods, the 节前提醒 / 节后检查 dates, and the fallbacks for unknown years."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from dangjian.rules import holidays
from dangjian.rules.models import HolidaySchedule

D = dt.date


@pytest.fixture(autouse=True)
def _fresh_cache():
    holidays.library_periods.cache_clear()
    yield
    holidays.library_periods.cache_clear()


def by_name(year):
    return {p.name: p for p in holidays.periods_for_year(year)}


@pytest.mark.django_db
def test_2025_from_chinese_calendar():
    periods = by_name(2025)
    assert set(periods) == {"元旦", "春节", "清明节", "劳动节", "端午节", "国庆节、中秋节"}
    spring = periods["春节"]
    assert (spring.starts_on, spring.ends_on) == (D(2025, 1, 28), D(2025, 2, 4))
    assert spring.first_workday == D(2025, 2, 5)
    assert spring.source == holidays.SOURCE_CHINESE_CALENDAR
    national = periods["国庆节、中秋节"]
    assert (national.starts_on, national.ends_on, national.days) == (
        D(2025, 10, 1),
        D(2025, 10, 8),
        8,
    )
    assert national.first_workday == D(2025, 10, 9)


@pytest.mark.django_db
def test_adjacent_weekend_is_part_of_the_period():
    dragon = by_name(2024)["端午节"]  # Monday 10 June 2024; the weekend before is off
    assert (dragon.starts_on, dragon.ends_on, dragon.first_workday) == (
        D(2024, 6, 8),
        D(2024, 6, 10),
        D(2024, 6, 11),
    )


@pytest.mark.django_db
def test_new_year_period_starting_in_december_belongs_to_its_start_year():
    # 元旦 2023 began on Saturday 31 December 2022; 元旦 2024 on Saturday 30 December 2023.
    assert by_name(2023)["元旦"].starts_on == D(2023, 12, 30)
    new_year = by_name(2022)["元旦"]
    assert new_year.starts_on == D(2022, 12, 31)
    assert new_year.first_workday == D(2023, 1, 3)


@pytest.mark.django_db
def test_make_up_workday_counts_as_workday():
    # 2024: 春节 10–17 February; Sunday 18 February was a 调休 workday.
    spring = by_name(2024)["春节"]
    assert spring.ends_on == D(2024, 2, 17)
    assert spring.first_workday == D(2024, 2, 18)


@pytest.mark.django_db
def test_reminders_before_and_after():
    assert holidays.due_reminders(D(2025, 9, 23)) == []
    before = holidays.due_reminders(D(2025, 9, 24))  # 7 days before 1 October
    assert [(w, p.name) for w, p in before] == [(holidays.BEFORE, "国庆节、中秋节")]
    assert [w for w, _ in holidays.due_reminders(D(2025, 9, 30))] == [holidays.BEFORE]
    assert holidays.due_reminders(D(2025, 10, 1)) == []  # the holiday itself
    after = holidays.due_reminders(D(2025, 10, 9))
    assert [(w, p.name) for w, p in after] == [(holidays.AFTER, "国庆节、中秋节")]
    assert holidays.due_reminders(D(2025, 10, 12)) == []  # the catch-up window has passed


@pytest.mark.django_db
@override_settings(DANGJIAN_HOLIDAY_REMINDER_DAYS=3)
def test_reminder_days_setting():
    assert holidays.reminder_days() == 3
    assert holidays.due_reminders(D(2025, 9, 27)) == []
    assert [w for w, _ in holidays.due_reminders(D(2025, 9, 28))] == [holidays.BEFORE]


@pytest.mark.django_db
def test_2031_falls_back_to_the_holidays_package():
    periods = by_name(2031)
    assert {"元旦", "春节", "清明节", "劳动节", "端午节"} <= set(periods)
    assert all(p.source == holidays.SOURCE_HOLIDAYS for p in periods.values())
    spring = periods["春节"]  # 除夕 Wed 22 January … 补假 Monday 27 January
    assert (spring.starts_on, spring.ends_on, spring.first_workday) == (
        D(2031, 1, 22),
        D(2031, 1, 27),
        D(2031, 1, 28),
    )
    assert [(w, p.name) for w, p in holidays.due_reminders(D(2031, 1, 15))] == [
        (holidays.BEFORE, "春节")
    ]


@pytest.mark.django_db
def test_december_reminder_for_a_new_year_the_library_does_not_know():
    # chinese-calendar ends with 2026: 元旦 2027 comes from the fallback.
    due = holidays.due_reminders(D(2026, 12, 25))
    assert [(w, p.name, p.starts_on, p.source) for w, p in due] == [
        (holidays.BEFORE, "元旦", D(2027, 1, 1), holidays.SOURCE_HOLIDAYS)
    ]


@pytest.mark.django_db
def test_admin_schedule_replaces_the_libraries_for_its_year():
    HolidaySchedule.objects.create(
        name="国庆节",
        starts_on=D(2031, 10, 1),
        ends_on=D(2031, 10, 7),
        first_workday=D(2031, 10, 8),
    )
    periods = holidays.periods_for_year(2031)
    assert [(p.name, p.source) for p in periods] == [("国庆节", holidays.SOURCE_SCHEDULE)]
    assert holidays.due_reminders(D(2031, 1, 15)) == []  # the library's 春节 no longer applies
    assert [w for w, _ in holidays.due_reminders(D(2031, 10, 8))] == [holidays.AFTER]
    assert {p.source for p in holidays.periods_for_year(2030)} == {holidays.SOURCE_HOLIDAYS}


@pytest.mark.django_db
def test_schedule_without_first_workday_takes_the_next_weekday():
    row = HolidaySchedule.objects.create(
        name="劳动节", starts_on=D(2032, 4, 30), ends_on=D(2032, 5, 2)
    )  # ends on a Sunday
    period = holidays.periods_for_year(2032)[0]
    assert period.first_workday == D(2032, 5, 3)
    assert "劳动节" in str(row)


@pytest.mark.django_db
def test_no_calendar_at_all_yields_nothing_and_does_not_raise(monkeypatch):
    def broken(*args, **kwargs):
        raise NotImplementedError("no data")

    monkeypatch.setattr(holidays.holidays_lib, "China", broken)
    assert holidays.library_periods(2031) == ()
    assert holidays.due_reminders(D(2031, 1, 15)) == []


def test_festival_names_from_the_fallback():
    assert holidays._festival_names("中秋节; 国庆节") == ["中秋节", "国庆节"]
    assert holidays._festival_names("农历除夕") == ["春节"]
    assert holidays._festival_names("春节（补假）") == ["春节"]
    assert holidays._festival_names("休息日（由 2025-01-26 调休）") == []


# --- the page -------------------------------------------------------------------------


@pytest.mark.django_db
def test_holiday_page_lists_periods_and_source(client, tree, make_user):
    client.force_login(make_user("viewer", tree.unit_a))
    resp = client.get(reverse("rules:holidays"), {"year": 2031})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "春节" in html and "按节日规则推算" in html
    assert resp.context["can_manage"] is False
    assert client.post(reverse("rules:holidays"), {"name": "春节"}).status_code == 403


@pytest.mark.django_db
def test_committee_admin_enters_a_schedule(client, tree, make_user):
    from dangjian.audit.models import AuditEvent

    client.force_login(make_user("committee_admin", tree.root))
    url = reverse("rules:holidays")
    resp = client.post(
        url,
        {"name": "春节", "starts_on": "2031-01-22", "ends_on": "2031-01-28", "note": "国办发明电"},
    )
    assert resp.status_code == 302
    row = HolidaySchedule.objects.get()
    assert row.first_workday is None and row.ends_on == D(2031, 1, 28)
    assert AuditEvent.objects.filter(action="create", object_type="rules.holidayschedule").exists()
    again = client.post(url, {"name": "春节", "starts_on": "2031-01-22", "ends_on": "2031-01-28"})
    assert again.status_code == 400 and "请勿重复录入" in again.content.decode()
    bad = client.post(url, {"name": "", "starts_on": "2031-13-01", "ends_on": "2031-01-02"})
    text = bad.content.decode()
    assert bad.status_code == 400
    assert "请填写节日名称" in text and "放假开始日期“2031-13-01”无效" in text
    backwards = client.post(
        url, {"name": "清明节", "starts_on": "2031-04-07", "ends_on": "2031-04-05"}
    )
    assert "放假结束日期不能早于开始日期" in backwards.content.decode()
    assert HolidaySchedule.objects.count() == 1
    client.post(url, {"delete": row.pk})
    assert not HolidaySchedule.objects.exists()
