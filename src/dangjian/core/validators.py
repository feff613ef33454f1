"""Validators shared by forms, serializers and importers."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from .bounds import is_digits

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_checksum_ok(value: str) -> bool:
    """GB 11643-1999 check digit of an 18-character resident ID number."""
    if len(value) != 18 or not is_digits(value[:17]):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == value[17].upper()


def id_number_birth_date(value: str) -> dt.date | None:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_id_number(value: str) -> None:
    value = (value or "").strip().upper()
    if (
        len(value) != 18
        or not is_digits(value[:17])
        or not (is_digits(value[17]) or value[17] == "X")
    ):
        raise ValidationError("身份证号码应为 18 位（前 17 位为数字，末位为数字或 X），请核对。")
    if id_number_birth_date(value) is None:
        raise ValidationError("身份证号码中的出生日期无效，请核对。")
    if not id_number_checksum_ok(value):
        raise ValidationError("身份证号码校验位不正确，请核对后重新输入。")


def validate_not_future(value: dt.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError("日期不能晚于今天，请核对。")


def validate_mobile(value: str) -> None:
    v = (value or "").strip()
    if v and not (len(v) == 11 and is_digits(v) and v.startswith("1")):
        raise ValidationError("手机号码应为以 1 开头的 11 位数字。")
