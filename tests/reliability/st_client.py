"""A respondent that speaks Streamlit's own websocket protocol to the real server.

It does what the browser's frontend does, and nothing more: it opens ws://host/_stcore/stream,
sends a BackMsg `rerun_script` (the query string, the widget states), reads the ForwardMsg deltas
of the script run, and answers the widgets it finds in them (radio, button group = pills /
segmented control, selectbox, checkbox, text input/area, number input) before it clicks the
page's primary button. A Chromium context per respondent costs ~100 MB and a core-second per
page; this client costs a few milliseconds, so 200 respondents fit next to the server on a
2-core machine and the figures measure the server, not the browsers.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

DONE_TITLES = ("Hartelijk dank!", "Thank you!")
STEP_TIMEOUT_S = 60.0


class GaveUp(Exception):
    """The respondent stopped: no answer in time, the connection dropped, or a stuck page."""


@dataclass
class Run:
    """What one script run drew: elements by delta path, and the server that served it."""

    elements: dict[tuple, object] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    exception: str | None = None


def _element_text(el) -> str:
    kind = el.WhichOneof("type")
    if kind in ("markdown", "heading", "text", "alert"):
        return getattr(el, kind).body
    return ""


class Respondent:
    """One browser tab: one websocket, one Streamlit session."""

    def __init__(
        self, base_url: str, query: str, *, marker: str, seed: int = 0, cookie: str | None = None
    ):
        self.cookie = cookie
        self.ws_url = base_url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
        self.query = query
        self.marker = marker  # written into every free-text answer: exposes misattribution
        self.rng = random.Random(seed)
        self.ws = None
        self.page_hash = ""
        self.states: dict[str, WidgetState] = {}
        self.in_form: set[str] = set()  # widgets in an st.form: sent with its submit only
        self.drawn: dict[str, WidgetState] = {}  # what a radio or checkbox shows unanswered
        self.fragment_of: dict[str, str] = {}  # widget id -> the st.fragment that drew it
        self.elements: dict[tuple, object] = {}  # the page as shown (fragment runs patch it)
        self.drawn_by: dict[tuple, str] = {}  # element path -> its fragment ("" for none)
        self.run = Run()
        self.script_runs = 0  # runs the server made for this tab (each st.rerun() one more)

    async def __aenter__(self):
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=["streamlit"],
            max_size=2**25,
            open_timeout=STEP_TIMEOUT_S,
            # Like a browser, which never pings: the server's pings keep the socket alive.
            # (The library's default, a ping every 20 s that must be answered within 20 s,
            # is what dropped 198 of 200 sockets in the review's run: issue 23.)
            ping_interval=None,
            additional_headers={"Cookie": self.cookie} if self.cookie else None,
        )
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def rerun(self, trigger: str | None = None, changed: str | None = None) -> Run:
        """Send the widget states (and a button click) and wait for the run to finish. Like the
        browser, a click or change of a widget drawn by an st.fragment reruns that fragment."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        fragment = self.fragment_of.get(trigger or changed or "")
        if fragment:
            cs.fragment_id = fragment
        for ws in self.states.values():
            cs.widget_states.widgets.append(ws)
        if trigger is not None:
            cs.widget_states.widgets.add(id=trigger, trigger_value=True)
        await self.ws.send(msg.SerializeToString())
        self.run = Run()
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GaveUp("no finished script run in time")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except (TimeoutError, websockets.ConnectionClosed) as exc:
                raise GaveUp(f"{type(exc).__name__}: {exc}") from exc
            fm = ForwardMsg()
            fm.ParseFromString(raw)
            kind = fm.WhichOneof("type")
            if kind == "new_session":
                self.script_runs += 1
                self.page_hash = fm.new_session.page_script_hash or self.page_hash
                self.run = Run()  # a st.rerun() starts the page over
                # A fragment's run redraws that fragment; the browser drops what it drew before.
                for path in [p for p, f in self.drawn_by.items() if not fragment or f == fragment]:
                    del self.elements[path], self.drawn_by[path]
            elif kind == "page_info_changed":
                pass
            elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                el = fm.delta.new_element
                path = tuple(fm.metadata.delta_path)
                self.elements[path], self.drawn_by[path] = el, fm.delta.fragment_id
                kind_ = el.WhichOneof("type")
                if kind_ == "exception":
                    self.run.exception = el.exception.message
                widget_id = getattr(getattr(el, kind_), "id", None) if kind_ else None
                if widget_id and fm.delta.fragment_id:
                    self.fragment_of[widget_id] = fm.delta.fragment_id
            elif kind == "script_finished":
                if fm.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                self.run.elements = dict(self.elements)  # a fragment's run: the rest stays
                self.run.texts = [_element_text(e) for e in self.run.elements.values()]
                return self.run

    def title(self) -> str:
        return " / ".join(
            el.heading.body
            for el in self.run.elements.values()
            if el.WhichOneof("type") == "heading"
        )

    def done(self) -> bool:
        return any(t in DONE_TITLES for t in self.run.texts)

    def answer_page(self) -> str | None:
        """Answer every widget on the page; return the id of the page's primary button."""
        before, self.states = self.states, {}
        self.in_form, self.drawn = set(), {}
        primary = None
        for el in self.run.elements.values():
            kind = el.WhichOneof("type")
            w = getattr(el, kind) if kind else None
            if getattr(w, "form_id", ""):
                self.in_form.add(w.id)
            if kind == "radio" and w.HasField("default"):
                self.drawn[w.id] = WidgetState(id=w.id, string_value=w.options[w.default])
            elif kind == "checkbox":
                self.drawn[w.id] = WidgetState(id=w.id, bool_value=w.default)
            if kind == "button":
                if w.type == "primary" and not w.disabled:
                    primary = w.id
                continue
            if kind and w is not None and getattr(w, "id", None) in before:
                self.states[w.id] = before[w.id]
            elif kind in ("radio", "selectbox") and w.options and not w.disabled:
                # Not the last option: on these scales that is "n.v.t. / not applicable".
                pick = w.options[self.rng.randrange(max(1, len(w.options) - 1))]
                self.states[w.id] = WidgetState(id=w.id, string_value=pick)
            elif kind == "button_group" and w.options and not w.disabled:
                pick = w.options[self.rng.randrange(max(1, len(w.options) - 1))].content
                ws = WidgetState(id=w.id)
                ws.string_array_value.data.append(pick)
                self.states[w.id] = ws
            elif kind == "checkbox" and not w.disabled:
                # Every real procedure; not the exclusive "none of these".
                tick = not w.label.lower().startswith(("geen", "none"))
                self.states[w.id] = WidgetState(id=w.id, bool_value=tick)
            elif kind in ("text_area", "text_input") and not w.disabled:
                self.states[w.id] = WidgetState(id=w.id, string_value=self.marker)
            elif kind == "number_input" and not w.disabled:
                value = w.min if w.has_min else 1
                self.states[w.id] = WidgetState(id=w.id, double_value=float(value))
        return primary


@dataclass
class Outcome:
    label: str
    completed: bool = False
    error: str | None = None
    pages: int = 0
    script_runs: int = 0


async def respond(
    base_url: str,
    query: str,
    label: str,
    *,
    think: Callable[[], float] = lambda: 0.0,
    on_step: Callable[[str, float], None] | None = None,
    seed: int = 0,
    max_pages: int = 30,
    sticky: bool = False,
    per_change: bool = False,
) -> Outcome:
    """One respondent from link to the thank-you page; steps are "open" and "page".

    `per_change`: rerun after every answer, as a browser does (each widget change is a run),
    instead of once with all the answers of the page."""
    out = Outcome(label)

    def record(step: str, t0: float) -> None:
        if on_step is not None:
            on_step(step, time.perf_counter() - t0)

    try:
        t0 = time.perf_counter()
        cookie = await asyncio.to_thread(route_cookie, base_url) if sticky else None
        marker = f"respondent {label}"
        async with Respondent(base_url, query, marker=marker, seed=seed, cookie=cookie) as r:
            await r.rerun()
            record("open", t0)
            stuck = 0
            while not r.done():
                if r.run.exception:
                    raise GaveUp(f"the page raised: {r.run.exception}")
                button = r.answer_page()
                sent: set[str] = set()
                # Answers can reveal items (skip logic): like a browser, rerun on the change
                # and answer what appeared, then click.
                for _ in range(3):
                    shown = set(r.states)
                    changed = {k for k in shown if r.drawn.get(k) != r.states[k]}
                    if changed <= r.in_form:
                        break  # a form, or nothing changed: the answers go with the click
                    if per_change:
                        await _one_change_at_a_time(r, sent)
                    else:
                        await r.rerun()
                    button = r.answer_page()
                    if set(r.states) <= shown:
                        break
                if button is None:
                    raise GaveUp(f"no button on the page: {r.run.texts[:3]}")
                await asyncio.sleep(think())
                before = r.title()
                t0 = time.perf_counter()
                await r.rerun(trigger=button)
                record("page", t0)
                out.pages += 1
                stuck = stuck + 1 if r.title() == before and not r.done() else 0
                if stuck >= 3 or out.pages > max_pages:
                    raise GaveUp(f"stuck on {before!r}: {r.run.texts}")
            out.script_runs = r.script_runs
        out.completed = True
    except GaveUp as exc:
        out.error = str(exc)
    except OSError as exc:
        out.error = f"{type(exc).__name__}: {exc}"
    return out


async def _one_change_at_a_time(r: Respondent, sent: set[str]) -> None:
    """Send the page's new answers one by one, a run each, as a browser's widgets do; the
    answers of a form wait for its submit, as in the browser."""
    full = dict(r.states)
    r.states = {k: v for k, v in full.items() if k in sent}
    for k, v in full.items():
        if k not in sent:
            r.states[k] = v
            sent.add(k)
            # A form's widgets wait for its submit; a choice left as it was drawn (the
            # language, an unticked box) is no change: the browser sends neither.
            if k not in r.in_form and r.drawn.get(k) != v:
                await r.rerun(changed=k)
    if not full:  # nothing to answer: the one rerun a page gets otherwise
        await r.rerun()


def route_cookie(base_url: str) -> str | None:
    """GET the page as a browser does first; the load balancer's route cookie, if it sets one."""
    import urllib.request

    with urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=STEP_TIMEOUT_S) as r:  # noqa: S310
        for header in r.headers.get_all("Set-Cookie") or []:
            if header.startswith("ktm_route="):
                return header.split(";", 1)[0]
    return None


def store_counts(
    engine, wave_id: int, labels: dict[int, str], completed: set[str] | None = None
) -> dict:
    """What the store holds after the run, by invitation (`labels`: invitation id -> label):
    lost (saw the thank-you page, or every one when `completed` is None, but no complete
    response), duplicated (more than one response), misattributed (a free text written by
    another respondent)."""
    import sqlalchemy as sa

    from store import schema

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                schema.responses.c.invitation_id,
                schema.responses.c.status,
                schema.responses.c.answers,
            ).where(schema.responses.c.wave_id == wave_id)
        ).all()
    by_inv: dict[int, list] = {}
    for row in rows:
        by_inv.setdefault(row.invitation_id, []).append(row)
    complete = {i for i, rs in by_inv.items() if any(r.status == "complete" for r in rs)}
    misattributed = 0
    for inv, rs in by_inv.items():
        for r in rs:
            texts = [v for v in (r.answers or {}).values() if isinstance(v, str)]
            texts = [v for v in texts if v.startswith("respondent ")]
            if any(v != f"respondent {labels.get(inv)}" for v in texts):
                misattributed += 1
    return {
        "responses": len(rows),
        "complete": len(complete),
        "lost": sum(
            inv not in complete
            for inv, label in labels.items()
            if completed is None or label in completed
        ),
        "duplicated": sum(len(rs) - 1 for rs in by_inv.values()),
        "misattributed": misattributed,
        "foreign": len(set(by_inv) - set(labels)),
    }
