"""Cell parsers (openpyxl value → typed value, or ValueError with a Chinese message) and Column."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import validators
from ..bounds import is_digits

Parser = Callable[[Any], Any]


def _as_text(value: Any) -> str:
    """Cell value as text; an integral number typed without text format loses its `.0`."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def text(max_length: int | None = None) -> Parser:
    def parse(value: Any) -> str:
        s = _as_text(value)
        if max_length and len(s) > max_length:
            raise ValueError(
                _("不能超过 %(n)s 个字符（现为 %(len)s 个）。") % {"n": max_length, "len": len(s)}
            )
        return s

    return parse


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


# Today, fixed for the duration of one parse (timezone.localdate() per cell is measurable).
_today: ContextVar[dt.date | None] = ContextVar("excel_today", default=None)


@contextmanager
def one_day() -> Iterator[None]:
    """Fix "today" for the parsers while a whole file is parsed."""
    token = _today.set(timezone.localdate())
    try:
        yield
    finally:
        _today.reset(token)


def date(not_future: bool = True) -> Parser:
    """Dates typed as Excel dates or as text: 2020-01-31, 2020/1/31, 2020.1.31, 2020年1月31日, 20200131."""

    def parse(value: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            result = value.date()
        elif isinstance(value, dt.date):
            result = value
        else:
            s = _as_text(value)
            m = _DATE_RE.match(s)
            if m is None and len(s) == 8 and is_digits(s):
                m = re.match(r"^(\d{4})(\d{2})(\d{2})$", s)
            if m is None:
                raise ValueError(
                    _("「%(v)s」不是有效日期，请按 2020-01-31 的格式填写。") % {"v": s}
                )
            try:
                result = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                raise ValueError(_("「%(v)s」不是有效日期，请核对年月日。") % {"v": s}) from None
        if not_future and result > (_today.get() or timezone.localdate()):
            raise ValueError(_("日期 %(d)s 晚于今天，请核对。") % {"d": result.isoformat()})
        return result

    return parse


def choice(choices: Iterable[tuple[str, Any]]) -> Parser:
    """Chinese label (or the code itself) → code; the error lists what is allowed."""
    pairs = [(code, str(label)) for code, label in choices]
    lookup = {label: code for code, label in pairs} | {code: code for code, _label in pairs}

    def parse(value: Any) -> str:
        s = _as_text(value)
        if s in lookup:
            return lookup[s]
        allowed = "、".join(label for _code, label in pairs)
        raise ValueError(
            _("「%(v)s」不是可选值，请填写：%(allowed)s。") % {"v": s, "allowed": allowed}
        )

    parse.labels = [label for _code, label in pairs]  # type: ignore[attr-defined]
    return parse


def id_number(value: Any) -> str:
    if isinstance(value, int | float):
        # 18 digits do not survive as an Excel number: the last digits are already lost.
        raise ValueError(
            _("身份证号被 Excel 存成了数字，末几位可能已丢失；请将该列设为文本格式后重新填写。")
        )
    s = _as_text(value).replace(" ", "").upper()
    try:
        validators.validate_id_number(s)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
    return s


def mobile(value: Any) -> str:
    s = _as_text(value).replace(" ", "").replace("-", "")
    try:
        validators.validate_mobile(s)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
    return s


@dataclass
class Column:
    key: str
    header: Any  # Chinese header (lazy string)
    required: bool = False
    parser: Parser = field(default_factory=text)
    help: Any = ""
    example: Any = ""
    aliases: Sequence[str] = ()
    width: int = 14
    text_format: bool = False  # format the template column as text (ID numbers, codes)

    @property
    def title(self) -> str:
        return str(self.header)


def normalize_header(value: Any) -> str:
    return re.sub(r"\s+", "", str(value or "")).rstrip("*＊")
