"""Walk the whole audit chain and report every break, not just the first.

Each event is checked on its own (its seal: HMAC of its previous-hash and its fields, id
included, under the key) and against its neighbour (its previous-hash must be the seal of
the row before it), so after a break the walk goes on and is back in step at the next
valid link. Events are read in id order in batches (memory does not grow with the chain).

What is reported, with event ids:
- missing ids (deleted events);
- a seal that does not hold: content changed, or an inserted event (told apart when the
  genuine event of that position sits one further on), or a genuine event at another
  position (moved: reordered or renumbered; its original id is found by trying the
  neighbouring ids and the position of its predecessor);
- a link that does not hold between two sealed events;
- unkeyed (legacy) events;
- the tail: the chain head row, and the checkpoints in the anchor file outside the database
  (`anchor.py`), which say how far the chain had reached — a deleted tail shows up even
  when the chain head was moved back.

Breaks of one kind on consecutive ids are reported as one range.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from . import anchor, chain

BATCH = 2000
# Index look-ups spent on telling moved events apart; beyond it a break is just "changed".
LOOKUP_BUDGET = 1000
# Catch-up walks while other processes keep appending.
CATCH_UP = 3


@dataclass
class Break:
    kind: str
    first: int
    last: int
    origin: int = 0  # moved: the original id of `first`
    info: str = ""

    def message(self) -> str:
        ids = (
            f"第 {self.first} 条" if self.first == self.last else f"第 {self.first}–{self.last} 条"
        )
        span = self.last - self.first
        origin = f"第 {self.origin} 条" if not span else f"第 {self.origin}–{self.origin + span} 条"
        messages = {
            "missing": f"{ids}事件缺失（被删除）",
            "changed": f"{ids}事件的内容与封印不符（被改动，或是伪造的事件）",
            "inserted": f"{ids}事件是插入的，不是平台写入的（其后的事件编号随之后移）",
            "moved": f"{ids}位置上是原{origin}事件（顺序或编号被改动）",
            "lost": f"原{ids}事件已被删除或改写（其后的事件被重新编号）",
            "link": f"{ids}事件与前一条事件接不上（链接被改动）",
            "legacy": f"{ids}事件未用密钥封存（旧格式），无法证明未被改动；"
            "请运行 dangjian audit rekey 重新封存",
            "legacy_late": f"{ids}事件是未封存的旧格式，却排在用密钥封存的事件之后（伪造）",
            "anchor": f"{ids}事件与检查点（{self.info}）记录的封印不符（事件被替换）",
            "truncated": f"链尾被删除：{self.info}记录审计链已到第 {self.last} 条，"
            f"现在只到第 {self.first - 1} 条（{ids}缺失）",
            "head_missing": "链头记录缺失（已被删除）",
            "head_hash": f"链头记录与最后一条事件（{ids}）的封印不符（链头被改动）",
            "beyond_head": f"{ids}事件排在链头记录之后（链头被改动，或事件是插入的）",
            "anchor_missing": f"检查点文件 {self.info} 不存在，无法确认链尾是否被删除",
            "anchor_empty": f"检查点文件 {self.info} 中没有有效的检查点",
            "anchor_corrupt": f"检查点文件{ids.replace('条', '行')}损坏或被篡改（密钥校验不通过）",
        }
        return messages[self.kind]


@dataclass
class Report:
    checked: int = 0
    last_id: int = 0
    breaks: list[Break] = field(default_factory=list)
    anchored: anchor.Line | None = None  # the furthest binding checkpoint
    legacy: int = 0  # legacy events accepted (rekey mode only)

    @property
    def ok(self) -> bool:
        return not self.breaks

    def messages(self) -> list[str]:
        return [b.message() for b in self.breaks]


@dataclass
class _Row:
    id: int
    prev_hash: str
    hash: str
    good: bool | None  # seal holds; None: a legacy event, not judged by its seal
    origin: int = 0  # seal fails at this id but holds at `origin`: a moved event


class _Walker:
    def __init__(self, event_model: Any, anchored: dict[int, list[anchor.Line]], legacy_ok: bool):
        self.events = event_model._base_manager
        self.key = chain.event_key()
        self.anchored = anchored
        self.legacy_ok = legacy_ok
        self.report = Report()
        self.prev: _Row | None = None
        self.pending: _Row | None = None  # a failed seal, classified by its successor
        self.lost: list[Break] = []  # in original numbering: listed after the walk
        self.keyed_seen = False
        self.lookups = 0

    def add(self, new: Break) -> None:
        last = self.report.breaks[-1] if self.report.breaks else None
        if (
            last is not None
            and last.kind == new.kind
            and new.first == last.last + 1
            and (new.kind != "moved" or new.origin - new.first == last.origin - last.first)
        ):
            last.last = new.last
        else:
            self.report.breaks.append(new)

    def feed(self, event: Any) -> None:
        fields = chain.fields_of(event)
        good: bool | None
        if event.hash_version == chain.LEGACY:
            if self.legacy_ok and not self.keyed_seen:
                good = chain.matches(chain.legacy_hash(event.prev_hash, fields), event.hash)
                self.report.legacy += 1
            else:
                good = None
        else:
            self.keyed_seen = True
            good = chain.matches(chain.seal(self.key, event.prev_hash, fields), event.hash)
        row = _Row(event.id, event.prev_hash, event.hash, good)
        lost = False
        if good is False and event.hash_version != chain.LEGACY:
            row.origin, lost = self._origin(event, fields)

        prev = self.prev
        expected_id = prev.id + 1 if prev else 1
        if self.pending is not None:  # the genuine event of its position follows: inserted
            kind = "inserted" if row.origin == self.pending.id else "changed"
            self.add(Break(kind, self.pending.id, self.pending.id))
            self.pending = None
        if row.id > expected_id:
            self.add(Break("missing", expected_id, row.id - 1))
        if good is None:
            self.add(Break("legacy_late" if self.legacy_ok else "legacy", row.id, row.id))
        elif not good:
            if row.origin:
                self.add(Break("moved", row.id, row.id, origin=row.origin))
                if lost:
                    self.lost.append(Break("lost", row.origin - 1, row.origin - 1))
            else:
                self.pending = row
        elif (
            row.id == expected_id
            and (prev is None or prev.good is not False)  # a failed seal is named already
            and row.prev_hash != (prev.hash if prev else chain.GENESIS)
        ):
            self.add(Break("link", row.id, row.id))
        if good is not False:
            for line in self.anchored.get(row.id, ()):
                if line.hash != row.hash:
                    self.add(Break("anchor", row.id, row.id, info=line.at))
        self.prev = row
        self.report.checked += 1
        self.report.last_id = row.id

    def _origin(self, event: Any, fields: dict[str, Any]) -> tuple[int, bool]:
        """The id under which this event's seal holds (0: none found), and whether its
        predecessor's seal is gone from the table (looked up by the unique hash index)."""
        candidates = [event.id - 1, event.id + 1]
        predecessor: int | None = None
        looked = self.lookups < LOOKUP_BUDGET
        if looked:
            self.lookups += 1
            found = self.events.filter(hash=event.prev_hash).values_list("id", flat=True)
            predecessor = found.first()
            if predecessor is not None:
                candidates.append(predecessor + 1)
        for candidate in candidates:
            if candidate >= 1 and candidate != event.id:
                moved = chain.fields_of(event, candidate)
                if chain.matches(chain.seal(self.key, event.prev_hash, moved), event.hash):
                    gone = looked and predecessor is None and event.prev_hash != chain.GENESIS
                    return candidate, gone
        return 0, False

    def finish(self) -> None:
        if self.pending is not None:
            self.add(Break("changed", self.pending.id, self.pending.id))
            self.pending = None
        for lost in self.lost:
            self.add(lost)
        self.lost = []


def events_in_order(event_model: Any, after: int, up_to: int | None, batch: int) -> Iterator[Any]:
    """Events with after < id ≤ up_to in id order, read `batch` at a time (keyset paging)."""
    qs = event_model._base_manager.order_by("id")
    if up_to is not None:
        qs = qs.filter(id__lte=up_to)
    while True:
        rows = list(qs.filter(id__gt=after)[:batch])
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].id


def _head(head_model: Any) -> tuple[int, str] | None:
    return head_model._base_manager.filter(id=1).values_list("last_id", "last_hash").first()


def walk(
    event_model: Any = None,
    head_model: Any = None,
    *,
    batch: int = BATCH,
    legacy_ok: bool = False,
) -> Report:
    """Check the chain, the chain head and the anchor file; `legacy_ok` (rekey): accept
    unkeyed events at the start of the chain when their SHA-256 links hold."""
    if event_model is None or head_model is None:
        from .models import AuditEvent, ChainHead

        event_model, head_model = AuditEvent, ChainHead
    state = anchor.read()  # before the head: every line read is about a committed event
    walker = _Walker(event_model, state.by_id(), legacy_ok)
    report = walker.report

    def catch_up(up_to: int | None) -> None:
        for event in events_in_order(event_model, report.last_id, up_to, batch):
            walker.feed(event)

    # Rows up to a head read before them are committed; rows appended meanwhile are
    # caught up with, so a busy server does not look like a broken chain.
    head = _head(head_model)
    catch_up(head[0] if head is not None else None)
    for _ in range(CATCH_UP):
        newer = _head(head_model)
        if head is None or newer is None or newer[0] <= report.last_id:
            break
        head = newer
        catch_up(head[0])
    top = event_model._base_manager.aggregate(top=Max("id"))["top"] or 0
    head = _head(head_model)  # read after `top`: a legitimate append is never beyond it
    if head is not None and head[0] > report.last_id:
        catch_up(head[0])
    beyond = head is not None and top > head[0]
    if beyond:
        catch_up(top)
    walker.finish()
    if beyond and head is not None:
        walker.add(Break("beyond_head", head[0] + 1, top))

    last = report.last_id
    evidence: list[tuple[int, str]] = []
    if head is None:
        if report.checked:
            walker.add(Break("head_missing", 0, 0))
    elif head[0] > last:
        evidence.append((head[0], "链头"))
    elif head[0] == last and last and walker.prev is not None and head[1] != walker.prev.hash:
        walker.add(Break("head_hash", last, last))

    expect_anchor = report.checked and (walker.keyed_seen or not legacy_ok)
    if not state.exists:
        if expect_anchor:
            walker.report.breaks.append(Break("anchor_missing", 0, 0, info=str(state.path)))
    else:
        for number in state.corrupt:
            walker.add(Break("anchor_corrupt", number, number))
        if not state.valid and expect_anchor:
            walker.report.breaks.append(Break("anchor_empty", 0, 0, info=str(state.path)))
    report.anchored = state.reached
    if report.anchored is not None and report.anchored.id > last:
        evidence.append((report.anchored.id, f"检查点（{report.anchored.at}）"))
    if evidence:
        reached = max(number for number, _ in evidence)
        told = "和".join(text for _, text in evidence)
        walker.report.breaks.append(Break("truncated", last + 1, reached, info=told))
    return report
