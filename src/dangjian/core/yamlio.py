"""The one YAML loader: every file the platform reads (framework uploads and libraries, the
rule library, term lengths) goes through `loads` / `load_path`.

YAML lets a 3 KB file name a node once (`&a`) and reuse it (`*a`) ten times per level, so
nine levels describe 10^9 nodes ("billion laughs"). PyYAML keeps an alias as a reference,
but anything that walks the result — validation, an error message listing it — pays for
every copy. So before anything is built, one pass over the parser's events (iterative, no
tree) checks:

- size: at most `max_bytes` of UTF-8;
- items: the document as fully expanded — every alias counted as a copy of what it names —
  has at most `max_items` nodes;
- depth: the expanded nesting is at most `max_depth` levels;
- an alias naming a node that contains it (a cycle) is refused.

Aliases are allowed within these limits (a framework may reuse a method list); expansion
attacks are refused at the first alias that overruns the budget, after reading only the
file's few kilobytes. Errors are Chinese and name the line (`YamlError.line`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 512 * 1024
MAX_ITEMS = 50_000
MAX_DEPTH = 32

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(ValueError):
    """A file refused: syntax, a limit, or a value YAML cannot build. `line` is 1-based."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        self.message = f"第 {line} 行：{problem}" if line else problem
        super().__init__(self.message)


class _SafeLoader(_Loader):
    """The safe loader, with dates that cannot exist (2024-02-30) refused with their line."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> dt.date | dt.datetime:
        try:
            return super().construct_yaml_timestamp(node)  # type: ignore[misc]
        except (ValueError, OverflowError) as exc:
            raise YamlError(
                f"日期“{node.value}”无效，请写作 2024-01-31。", node.start_mark.line + 1
            ) from exc


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeLoader.construct_yaml_timestamp)

# PyYAML's problems, said in Chinese (matched on the start of its English text).
_PROBLEMS = [
    ("mapping values are not allowed", "此处不能出现“键: 值”：请检查缩进，或给含冒号的文字加引号"),
    ("could not find expected ':'", "缺少冒号“:”，或上一行的引号没有闭合"),
    ("tab character", "不能用 Tab 缩进，请改用空格"),
    (
        "cannot start any token",
        "此处的字符不能开始一项内容：不要用 Tab 缩进，以 @ ` 开头的文字请加引号",
    ),
    ("did not find expected key", "缩进不一致，或此处缺少“键:”"),
    ("did not find expected '-' indicator", "列表项的缩进不一致"),
    ("expected <block end>", "缩进不一致：请让同一层的内容对齐"),
    ("found undefined alias", "引用（*）了未定义的锚点（&）"),
    ("found unexpected end of stream", "文件意外结束：请检查引号或括号是否闭合"),
    ("found unknown escape character", "双引号文字中有无效的转义字符（\\）"),
    ("could not determine a constructor", "不支持的标签（!）：请删除以 ! 开头的类型标记"),
    ("found unhashable key", "键不能是列表或映射"),
    ("expected a single document", "文件只能包含一个 YAML 文档（不要使用 ---  分隔多个文档）"),
    ("found duplicate anchor", "锚点（&）名称重复"),
    ("expected ',' or ']'", "方括号列表未闭合，或缺少逗号"),
    ("expected ',' or '}'", "花括号映射未闭合，或缺少逗号"),
]


def _chinese(exc: yaml.YAMLError, text: str) -> YamlError:
    if isinstance(exc, yaml.reader.ReaderError):
        at = text[: exc.position].count("\n") + 1
        return YamlError("文件含不允许的控制字符，请删除后重试", at)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = f"{getattr(exc, 'problem', '') or ''} {getattr(exc, 'context', '') or ''}"
    for english, chinese in _PROBLEMS:
        if english in problem:
            return YamlError(chinese, line)
    return YamlError("YAML 格式错误：请检查该行附近的缩进、冒号和引号", line)


def _check_shape(text: str, max_items: int, max_depth: int) -> None:
    """One pass over the events: expanded item count and depth, cycles; raises YamlError."""
    total = 0
    # Open collections: [anchor, items so far, deepest level below]; anchors: name → (items, depth).
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[int, int]] = {}
    open_anchors: set[str] = set()

    def add(items: int, depth: int, line: int) -> None:
        nonlocal total
        total += items
        if total > max_items:
            raise YamlError(
                f"内容过多：展开后超过 {max_items} 项（锚点 & 与引用 * 按展开后的数量计）", line
            )
        if len(stack) + depth > max_depth:
            raise YamlError(f"嵌套过深：超过 {max_depth} 层", line)
        if stack:
            stack[-1][1] += items
            stack[-1][2] = max(stack[-1][2], depth)

    for event in yaml.parse(text, Loader=_Loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in open_anchors:
                raise YamlError(f"引用 *{event.anchor} 指向包含它自身的内容（循环引用）", line)
            if event.anchor not in anchors:
                raise YamlError("引用（*）了未定义的锚点（&）", line)
            add(*anchors[event.anchor], line)
        elif isinstance(event, yaml.ScalarEvent):
            add(1, 0, line)
            if event.anchor:
                anchors[event.anchor] = (1, 0)
        elif isinstance(event, yaml.CollectionStartEvent):
            add(1, 1, line)
            stack.append([event.anchor, 1, 0])
            if event.anchor:
                open_anchors.add(event.anchor)
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, items, depth = stack.pop()
            if stack:
                # The opening node was already counted in the parent; add what it held.
                stack[-1][1] += items - 1
                stack[-1][2] = max(stack[-1][2], depth + 1)
            if anchor:
                open_anchors.discard(anchor)
                anchors[anchor] = (items, depth + 1)


def loads(
    text: str | bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_items: int = MAX_ITEMS,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse one YAML document within the limits (safe tags only); raise YamlError."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8"))
    if size > max_bytes:
        raise YamlError(f"文件过大：{size // 1024} KB，上限为 {max_bytes // 1024} KB")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise YamlError("文件须为 UTF-8 编码的文本") from exc
    try:
        _check_shape(text, max_items, max_depth)
        return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 — a subclass of SafeLoader
    except yaml.YAMLError as exc:
        raise _chinese(exc, text) from exc
    except RecursionError as exc:  # pragma: no cover — depth is checked first
        raise YamlError(f"嵌套过深：超过 {max_depth} 层") from exc


def load_path(path: Path, *, max_bytes: int = MAX_BYTES, **limits: int) -> Any:
    """Read and parse a file, refusing an oversized one before reading it."""
    size = path.stat().st_size
    if size > max_bytes:
        raise YamlError(f"文件过大：{size // 1024} KB，上限为 {max_bytes // 1024} KB")
    return loads(path.read_bytes(), max_bytes=max_bytes, **limits)


def dumps(data: Any) -> str:
    """YAML text for a download (Chinese kept readable, keys in the given order)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
