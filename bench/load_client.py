"""The load test's HTTP client: signed-in sessions, form parsing, sign-in, the visit plan.

Standard library only (http.client, html.parser) plus pyotp for the 工委 accounts' codes:
one thread per virtual user on this 2-core machine must cost little next to the server.
Targets loopback addresses only (`Endpoint` refuses anything else).
"""

from __future__ import annotations

import http.client
import ipaddress
import threading
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

# --- one HTTP exchange ------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int

    def __post_init__(self) -> None:
        if not ipaddress.ip_address(self.host).is_loopback:
            raise ValueError(f"the load test only targets loopback addresses, not {self.host}")

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass
class Reply:
    status: int
    location: str
    body: bytes
    ms: float  # request sent → whole body read

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Session:
    """A browser's cookie jar for one account (sessionid, csrftoken, messages)."""

    def __init__(self, username: str, persona: str, org: int | None = None) -> None:
        self.username = username
        self.persona = persona
        self.org = org  # the branch where this account records its meetings
        self.cookies: dict[str, str] = {}
        self.in_use = 0

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def absorb(self, set_cookies: list[str]) -> None:
        for raw in set_cookies:
            pair, _, attrs = raw.partition(";")
            name, _, value = pair.strip().partition("=")
            lowered = attrs.lower()
            if "max-age=0" in lowered or "01 jan 1970" in lowered:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


class Connection:
    """One virtual user's connection (http.client reopens it when gunicorn closes it)."""

    def __init__(self, endpoint: Endpoint, timeout: float) -> None:
        self.endpoint = endpoint
        self.conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)

    def send(
        self,
        session: Session,
        method: str,
        path: str,
        form: list[tuple[str, str]] | None = None,
        multipart: bool = False,
    ) -> Reply:
        headers = {
            "Host": f"{self.endpoint.host}:{self.endpoint.port}",
            "User-Agent": "dangjian-bench-load",
            "Accept": "text/html",
            "Accept-Language": "zh-CN",
        }
        if session.cookies:
            headers["Cookie"] = session.cookie_header()
        body = None
        if form is not None:
            body, headers["Content-Type"] = encode_form(form, multipart)
            headers["Origin"] = self.endpoint.origin  # as a browser sends with a POST
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except Exception:
            self.conn.close()
            raise
        ms = (time.perf_counter() - start) * 1000
        session.absorb(response.headers.get_all("Set-Cookie") or [])
        if response.will_close:
            self.conn.close()
        return Reply(response.status, response.headers.get("Location", ""), data, ms)

    def close(self) -> None:
        self.conn.close()


def encode_form(fields: list[tuple[str, str]], multipart: bool) -> tuple[bytes, str]:
    """The body and content type a browser sends for these fields (no file chosen: a
    browser's empty file part is left out, which the server reads the same way)."""
    if not multipart:
        return urlencode(fields).encode(), "application/x-www-form-urlencoded"
    boundary = "----dangjianbench" + uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    body = "".join(parts) + f"--{boundary}--\r\n"
    return body.encode(), f"multipart/form-data; boundary={boundary}"


# --- HTML forms -------------------------------------------------------------------------------


@dataclass
class Form:
    """What a browser would submit from one form, plus the options of its choices."""

    action: str = ""
    multipart: bool = False
    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)

    def names(self) -> list[str]:
        return [k for k, _ in self.fields]

    def set(self, name: str, value: str) -> None:
        """Replace the first value of `name` (or add it), as typing into the field does."""
        for i, (k, _) in enumerate(self.fields):
            if k == name:
                self.fields[i] = (name, value)
                return
        self.fields.append((name, value))


_SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


class _FormParser(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.form: Form | None = None
        self.inside = False
        self.done = False
        self.select: tuple[str, bool] | None = None  # (name, multiple)
        self.selected: list[str] = []
        self.first_option: str | None = None
        self.option: tuple[str | None, bool] | None = None  # (value attribute, selected)
        self.option_text: list[str] = []
        self.textarea: str | None = None
        self.text: list[str] = []
        self.secret: str | None = None  # the TOTP secret shown on the enrolment page
        self.in_secret = False

    def handle_starttag(self, tag: str, attrs_list: list) -> None:
        attrs = {k: (v if v is not None else "") for k, v in attrs_list}
        if tag == "code" and "data-totp-secret" in attrs:
            self.in_secret, self.text = True, []
        if tag == "form" and not self.done and self.form is None:
            if self.form_id is None or attrs.get("id") == self.form_id:
                multipart = attrs.get("enctype", "").lower() == "multipart/form-data"
                self.form = Form(action=attrs.get("action", ""), multipart=multipart)
                self.inside = True
            return
        if not self.inside or "disabled" in attrs:
            return
        form = self.form
        assert form is not None
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in _SKIPPED_INPUTS:
                return
            value = attrs.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(value)
                if "checked" not in attrs:
                    return
            form.fields.append((name, value))
        elif tag == "select" and name:
            self.select = (name, "multiple" in attrs)
            self.selected, self.first_option = [], None
            form.choices.setdefault(name, [])
        elif tag == "option" and self.select is not None:
            self.option = (dict(attrs_list).get("value"), "selected" in attrs)
            self.option_text = []
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data: str) -> None:
        if self.textarea is not None or self.in_secret:
            self.text.append(data)
        if self.option is not None:
            self.option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "code" and self.in_secret:
            self.in_secret = False
            self.secret = "".join(self.text).replace(" ", "").strip()
        if not self.inside:
            return
        form = self.form
        assert form is not None
        if tag == "form":
            self.inside, self.done = False, True
        elif tag == "option" and self.select is not None and self.option is not None:
            value, selected = self.option
            if value is None:  # no value attribute: the option's text is submitted
                value = "".join(self.option_text).strip()
            form.choices[self.select[0]].append(value)
            if selected:
                self.selected.append(value)
            if self.first_option is None:
                self.first_option = value
            self.option = None
        elif tag == "select" and self.select is not None:
            name, multiple = self.select
            chosen = self.selected or (
                [] if multiple or self.first_option is None else [self.first_option]
            )
            form.fields.extend((name, v) for v in (chosen if multiple else chosen[:1]))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # A browser drops the one newline right after <textarea>.
            form.fields.append((self.textarea, "".join(self.text).removeprefix("\n")))
            self.textarea = None


def parse_form(html: str, form_id: str | None = None) -> Form | None:
    """The form `form_id` (or the first form) of a page as a browser would submit it
    unchanged: checked boxes only, each select's selected option (else its first),
    textareas' text, no buttons and no disabled controls."""
    parser = _FormParser(form_id)
    parser.feed(html)
    parser.close()
    return parser.form


def totp_secret(html: str) -> str | None:
    """The secret the enrolment page shows for typing into an authenticator by hand."""
    parser = _FormParser("-")
    parser.feed(html)
    return parser.secret


# --- signing in ------------------------------------------------------------------------------


class SignInError(RuntimeError):
    pass


_steps_lock = threading.Lock()
_last_step: dict[str, int] = {}


def totp_code(secret: str) -> str:
    """The authenticator's code for now, never a time step already used with this secret
    (the platform accepts each step once): waits for the next step when needed."""
    import pyotp

    totp = pyotp.TOTP(secret, interval=30)
    while True:
        with _steps_lock:
            step = totp.timecode(time.time())
            if step > _last_step.get(secret, -1):
                _last_step[secret] = step
                return totp.generate_otp(step)
        time.sleep(1 + 30 - time.time() % 30)


def sign_in(
    conn: Connection, session: Session, login_path: str, password: str, secrets: dict[str, str]
) -> None:
    """Sign `session` in through the login pages like a person: password, then (when the
    role requires one) the authenticator code — enrolling the authenticator on first use,
    with its secret stored in `secrets[username]`."""
    page = conn.send(session, "GET", login_path)
    form = parse_form(page.text, None)
    if page.status != 200 or form is None:
        raise SignInError(f"{session.username}: login page answered {page.status}")
    form.set("username", session.username)
    form.set("password", password)
    reply = conn.send(session, "POST", login_path, form.fields)
    if reply.status != 302:
        raise SignInError(f"{session.username}: password refused ({reply.status})")
    for _ in range(4):  # password → second step (→ enrolment) → signed in
        target = urlsplit(reply.location).path
        if "/login/" not in target:
            return
        page = conn.send(session, "GET", target)
        if page.status == 302:
            reply = page
            continue
        form = parse_form(page.text, None)
        if page.status != 200 or form is None:
            raise SignInError(f"{session.username}: {target} answered {page.status}")
        shown = totp_secret(page.text)
        if shown:
            secrets[session.username] = shown
        secret = secrets.get(session.username)
        if secret is None:
            raise SignInError(f"{session.username}: a code is asked and no secret is known")
        form.set("code", totp_code(secret))
        reply = conn.send(session, "POST", target, form.fields)
        if reply.status == 200 and shown:
            return  # enrolled: the recovery codes page, signed in
        if reply.status != 302:
            raise SignInError(f"{session.username}: code refused at {target} ({reply.status})")
    raise SignInError(f"{session.username}: sign-in did not finish")
