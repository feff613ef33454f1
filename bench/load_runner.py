"""One load-test run: virtual users (threads) looping over their pages for a bounded time.

Each virtual user repeats *visits*. A visit draws a persona by the mix (80 % 支部书记, 15 %
单位管理员, 5 % 工委 by default), takes a signed-in session of that persona (a free one when
there is one), and opens the persona's pages in order: home, activities, record form,
compliance, reminders, members. Every third visit (`RECORD_EVERY`) also records a meeting
after opening the record form — load the form for the account's branch, submit it, follow
the redirect to the new record — so one request in ~20 is a recording (a visit is 6 requests,
a recording adds 3: 3 visits → 21 requests, one of them the POST). A user's first visit
starts at a random page.

No think time by default: each user sends its next request when the last one answered, so
the figures say how much the server does, like the issue's table. A run stops by itself
at its deadline or when its request budget is spent; requests in flight then finish
(bounded by the socket timeout). Only requests that finish inside the measured window
(after the warm-up, before the deadline) are counted.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from load_client import Connection, Endpoint, Form, Session, parse_form

MIX = {"secretary": 80, "unit_admin": 15, "committee": 5}
VISIT = ("home", "activities", "record form", "compliance", "reminders", "members")
RECORD_EVERY = 3
RECORD_PAGES = ("record: load", "record: save", "record: detail")
# Which of the members pre-filled as 出席 is marked 请假 on each recorded meeting (with a
# reason); the rest keep the form's defaults (出席, or 免于参加 for exempt members).
LEAVE_ROW = 1


@dataclass
class Sample:
    page: str
    persona: str
    start: float  # perf_counter at send
    ms: float
    error: str = ""  # "" when the answer was what a person expects


@dataclass
class Plan:
    """What the users do: paths per page, the mix, how meetings are recorded."""

    pages: dict[str, str]
    login_path: str
    title_mark: str
    kind: str
    today: dt.date
    mix: dict[str, int] = field(default_factory=lambda: dict(MIX))
    visit: Sequence[str] = VISIT
    record_every: int = RECORD_EVERY


def nearest_rank(sorted_values: Sequence[float], pct: float) -> float:
    """The `pct` percentile by nearest rank (a value that was observed); NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def draw_persona(rng: random.Random, mix: dict[str, int]) -> str:
    personas = [p for p, w in mix.items() if w > 0]
    return rng.choices(personas, weights=[mix[p] for p in personas])[0]


def records_on(visit_number: int, offset: int, every: int) -> bool:
    """Whether the visit (0-based, per user) records a meeting: every `every`-th one, with a
    per-user offset so users do not all record on the same round."""
    return every > 0 and (visit_number + offset) % every == every - 1


class Pool:
    """The signed-in sessions by persona. `take` prefers a free session (chosen at random);
    when all of a persona's sessions are busy it shares the least used one (a person with
    two tabs open) rather than block, so the mix holds; shares are counted."""

    def __init__(self, sessions: Sequence[Session]) -> None:
        self.by_persona: dict[str, list[Session]] = {}
        for s in sessions:
            self.by_persona.setdefault(s.persona, []).append(s)
        self.lock = threading.Lock()
        self.shared = 0

    def take(self, persona: str, rng: random.Random) -> Session:
        with self.lock:
            sessions = self.by_persona[persona]
            free = [s for s in sessions if s.in_use == 0]
            if free:
                chosen = rng.choice(free)
            else:
                chosen = min(sessions, key=lambda s: s.in_use)
                self.shared += 1
            chosen.in_use += 1
            return chosen

    def give_back(self, session: Session) -> None:
        with self.lock:
            session.in_use -= 1


class RunOver(Exception):
    """The run's deadline passed or its request budget is spent."""


class Budget:
    """The run's bounds: a deadline and a request count, shared by the users."""

    def __init__(self, deadline: float, max_requests: int) -> None:
        self.deadline = deadline
        self.left = max_requests
        self.lock = threading.Lock()

    def claim(self) -> bool:
        if time.perf_counter() >= self.deadline:
            return False
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def _judge(page: str, status: int, location: str, login_path: str) -> str:
    """'' when the answer is what a person expects, else a short error label."""
    if status >= 400:
        return f"HTTP {status}"
    if status in (301, 302, 303) and urlsplit(location).path.startswith(login_path):
        return "sent to the login page"
    if page == "record: save":
        return "" if status == 302 else f"record refused (HTTP {status})"
    if status >= 300 and page != "record: save":
        return f"HTTP {status} (redirect)"
    return ""


class User(threading.Thread):
    def __init__(
        self,
        number: int,
        endpoint: Endpoint,
        pool: Pool,
        plan: Plan,
        budget: Budget,
        seed: int,
        timeout: float,
        think_ms: float,
    ) -> None:
        super().__init__(name=f"load-user-{number}", daemon=True)
        self.number = number
        self.conn = Connection(endpoint, timeout)
        self.pool, self.plan, self.budget = pool, plan, budget
        self.rng = random.Random(seed * 100_003 + number)
        self.offset = self.rng.randrange(max(plan.record_every, 1))
        self.think = think_ms / 1000
        self.samples: list[Sample] = []
        self.refusals: list[str] = []  # why a recording was refused (first few)
        self.recorded = 0

    def run(self) -> None:
        # Each user enters its first visit at a random page, so the users are not all on
        # the same page at the same time when the run starts.
        visit, first_page = 0, self.rng.randrange(len(self.plan.visit))
        try:
            while True:
                self._visit(visit, first_page)
                visit, first_page = visit + 1, 0
        except RunOver:
            pass
        finally:
            self.conn.close()

    def _get(
        self, session: Session, page: str, path: str, method: str = "GET", form: Form | None = None
    ):
        """One request and its sample; None when it failed in transport (timeout, reset).
        Raises RunOver at the deadline or when the run's budget is spent."""
        if not self.budget.claim():
            raise RunOver
        if self.think:
            time.sleep(self.rng.expovariate(1 / self.think))
        start = time.perf_counter()
        try:
            fields = form.fields if form is not None else None
            multipart = form is not None and form.multipart
            reply = self.conn.send(session, method, path, fields, multipart)
        except TimeoutError:
            self.samples.append(Sample(page, session.persona, start, _ms(start), "timeout"))
            return None
        except OSError as exc:
            label = f"connection: {type(exc).__name__}"
            self.samples.append(Sample(page, session.persona, start, _ms(start), label))
            return None
        error = _judge(page, reply.status, reply.location, self.plan.login_path)
        self.samples.append(Sample(page, session.persona, start, reply.ms, error))
        return reply

    def _visit(self, visit: int, first_page: int = 0) -> None:
        persona = draw_persona(self.rng, self.plan.mix)
        session = self.pool.take(persona, self.rng)
        recording = records_on(visit, self.offset, self.plan.record_every)
        try:
            for page in self.plan.visit[first_page:]:
                self._get(session, page, self.plan.pages[page])
                if page == "record form" and recording:
                    self._record(session)
        finally:
            self.pool.give_back(session)

    def _record(self, session: Session) -> None:
        """Load the form for the account's branch, fill it as a secretary would, save it,
        open the saved record. Built from the form the page serves (not a fixed field list),
        so it follows changes to the form."""
        plan = self.plan
        held_on = plan.today - dt.timedelta(days=self.rng.randint(1, 28))
        query = urlencode({"org": session.org, "kind": plan.kind, "held_on": held_on.isoformat()})
        path = plan.pages["record form"]
        page = self._get(session, "record: load", f"{path}?{query}")
        form = parse_form(page.text, "record-form") if page and page.status == 200 else None
        if form is None:
            return
        fill_record_form(form, f"{plan.title_mark}：支部党员大会（{self.number}-{self.recorded}）")
        saved = self._get(session, "record: save", form.action or path, "POST", form)
        if saved is None:
            return
        if saved.status != 302:
            if len(self.refusals) < 3:
                self.refusals.append(form_errors(saved.text))
            return
        self.recorded += 1
        self._get(session, "record: detail", urlsplit(saved.location).path)


def fill_record_form(form, title: str) -> None:
    """What a secretary types into the record form: the title, the place, one agenda item
    marked 第一议题, one member on leave with a reason; the rest keeps the page's defaults."""
    form.set("title", title)
    form.set("place", "党员活动室")
    form.set("agenda_title", "传达学习习近平总书记重要讲话精神")
    first = form.choices.get("agenda_first") or [form.get("agenda_key") or "1"]
    form.set("agenda_first", first[0])
    present = [k for k, v in form.fields if k.startswith("att-") and v == "attended"]
    if len(present) > LEAVE_ROW and "leave" in form.choices.get(present[LEAVE_ROW], []):
        form.set(present[LEAVE_ROW], "leave")
        form.set("reason-" + present[LEAVE_ROW].removeprefix("att-"), "出差")


def form_errors(html: str) -> str:
    """The error texts a refused form shows (for the report), briefly."""
    found = re.findall(
        r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>(.*?)</div>', html, re.S
    )
    text = " ".join(re.sub(r"<[^>]+>", " ", f).strip() for f in found)
    return " ".join(text.split())[:300] or "the form came back without an error message"


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


@dataclass
class RunResult:
    users: int
    samples: list[Sample]
    window_s: float  # from the end of the warm-up to the last answer
    shared_sessions: int
    refusals: list[str]
    recorded: int


def run_users(
    endpoint: Endpoint,
    sessions: Sequence[Session],
    plan: Plan,
    *,
    users: int,
    duration_s: float,
    warmup_s: float,
    max_requests: int,
    seed: int,
    timeout_s: float = 30.0,
    think_ms: float = 0.0,
    on_measure_start=None,
    on_measure_end=None,
) -> RunResult:
    """Run `users` virtual users for warm-up + duration seconds (or until `max_requests`
    were sent) and return the requests that *finished* in the measured window, which runs
    from the end of the warm-up to the deadline (or to the last answer, when the budget ran
    out first). Requests still in flight at the deadline finish (bounded by the timeout) and
    are left out, like those of the warm-up. `on_measure_start()` and `on_measure_end()`
    are called at the window's edges (CPU counters, log offsets)."""
    pool = Pool(sessions)
    measure_from = time.perf_counter() + warmup_s
    deadline = measure_from + duration_s
    budget = Budget(deadline, max_requests)
    crowd = [User(i, endpoint, pool, plan, budget, seed, timeout_s, think_ms) for i in range(users)]
    for u in crowd:
        u.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    if on_measure_start is not None:
        on_measure_start()
    for u in crowd:  # until the deadline, or until every user stopped (budget spent)
        u.join(timeout=max(0.0, deadline - time.perf_counter()))
    window_end = min(time.perf_counter(), deadline)
    if on_measure_end is not None:
        on_measure_end()
    for u in crowd:
        u.join(timeout=timeout_s + 10)
    kept = [
        s for u in crowd for s in u.samples if measure_from <= s.start + s.ms / 1000 <= window_end
    ]
    return RunResult(
        users=users,
        samples=kept,
        window_s=max(window_end - measure_from, 1e-9),
        shared_sessions=pool.shared,
        refusals=[r for u in crowd for r in u.refusals][:5],
        recorded=sum(u.recorded for u in crowd),
    )


@dataclass
class PageStats:
    page: str
    count: int
    errors: int
    p50: float
    p95: float
    p99: float
    mean: float
    total_s: float


def page_stats(samples: Sequence[Sample], key=lambda s: s.page) -> list[PageStats]:
    """Per group (page by default) and 'all': count, errors, percentiles, mean, total time."""
    groups: dict[str, list[Sample]] = {}
    for s in samples:
        groups.setdefault(key(s), []).append(s)
    groups["all"] = list(samples)
    out = []
    for name, group in groups.items():
        times = sorted(s.ms for s in group)
        out.append(
            PageStats(
                page=name,
                count=len(group),
                errors=sum(1 for s in group if s.error),
                p50=nearest_rank(times, 50),
                p95=nearest_rank(times, 95),
                p99=nearest_rank(times, 99),
                mean=sum(times) / len(times) if times else math.nan,
                total_s=sum(times) / 1000,
            )
        )
    return out
