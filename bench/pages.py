"""Every main page, as each role reads it, under gunicorn with two workers: latency, statements and bytes.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/national .venv/bin/python bench/pages.py

The database is one bench/national.py filled. This starts the portal (`gunicorn -w 2`, development settings, so the
development identity provider signs each persona in over the real OIDC flow) and, beside it under the same
gunicorn settings, a bare Flask endpoint: the reference for throughput. For each page it measures:

- at concurrency 1, --requests requests one after another: p50, p95, p99 (ms);
- at concurrency 8, the same number from eight threads at once: p95 and requests a second;
- the statements one request makes (the `X-Statements` header: reads and writes, the session's and audit's apart);
- the bytes of the HTML, and on the wire (asking for compression as Chromium does).

Then the first visit (the sign-in page and every asset it loads, on the wire), and the partials' share of their
page's bytes. It prints one Markdown table; timings go in notes and the README, never in tests.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PARTIAL = {"HX-Request": "true", "HX-Request-Type": "partial"}
GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium asks for
TIMEOUT = 30


@dataclass(frozen=True)
class Page:
    name: str
    persona: str
    path: str  # may name {busy}, {quiet}, {referral}: the cases and referral bench/national.py marked
    partial_of: str | None = None  # the page this is a partial of (its bytes are compared)


PAGES = [
    Page("case page, 12 events", "officer-north", "/cases/{quiet}"),
    Page("case page, 200 events", "officer-north", "/cases/{busy}"),
    Page("case page, timeline partial", "officer-north", "/cases/{busy}", "case page, 200 events"),
    Page("caseload, officer", "officer-north", "/"),
    Page("caseload, officer, needs attention", "officer-north", "/?attention=1"),
    Page("caseload, supervisor (team)", "supervisor", "/"),
    Page("caseload, supervisor, sort by surname", "supervisor", "/?sort=name"),
    Page("caseload, coordinator (force)", "coordinator", "/"),
    Page("caseload, coordinator, ?q=smith", "coordinator", "/?q=smith"),
    Page("caseload, coordinator, search partial", "coordinator", "/?q=smith", "caseload, coordinator, ?q=smith"),
    Page("caseload, coordinator, needs attention", "coordinator", "/?attention=1"),
    Page("caseload, coordinator, sort by surname", "coordinator", "/?sort=name"),
    Page("caseload, coordinator, issued, due in 14 days", "coordinator", "/?status=issued&due=14"),
    Page("caseload, coordinator, page 40", "coordinator", "/?page=40"),
    Page("provider inbox, manager", "freshstart-manager", "/"),
    Page("provider inbox, caseworker", "freshstart-caseworker", "/"),
    Page("referral page, 30 appointments", "freshstart-caseworker", "/referrals/{referral}"),
    Page("team's flags and decisions", "supervisor", "/cases/supervision"),
    Page("the person cautioned's home", "offender", "/"),
    Page("a victim's home", "victim", "/"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(target: str, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with two workers, as the portal runs for people; its base URL once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "gunicorn"), "-w", "2", "--no-control-socket", "-b", f"127.0.0.1:{port}", target]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    for _ in range(300):
        if process.poll() is not None:
            sys.exit(f"{target} did not start:\n{log.read_text()}")
        try:
            requests.get(f"{base}/healthz" if target == "wsgi:app" else base, timeout=TIMEOUT)
            return process, base
        except requests.ConnectionError:
            time.sleep(0.2)
    process.terminate()
    sys.exit(f"{target} did not answer:\n{log.read_text()}")


def sign_in(base: str, persona: str) -> requests.Session:
    """The browser's side of the OIDC flow: the portal, the provider's persona page, back to the portal."""
    browser = requests.Session()
    client = "dev-public" if persona in ("offender", "victim") else "dev-staff"
    start = browser.get(f"{base}/sign-in/{client}", allow_redirects=False, timeout=TIMEOUT)
    chosen = browser.post(start.headers["Location"], data={"persona": persona}, allow_redirects=False,
                          timeout=TIMEOUT)
    landed = browser.get(chosen.headers["Location"], allow_redirects=False, timeout=TIMEOUT)
    if landed.status_code != 303:
        sys.exit(f"{persona} could not sign in: {landed.status_code} {landed.text[:300]}")
    return browser


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Measured:
    p50: float
    p95: float
    p99: float
    p95_at_8: float
    per_second_at_8: float
    statements: str
    html_bytes: int
    wire_bytes: int


def _timed(session: requests.Session, url: str, headers: dict) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.get(url, headers=headers, timeout=TIMEOUT, allow_redirects=False)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        sys.exit(f"GET {url} gave {response.status_code}: {response.text[:300]}")
    return elapsed, response


def measure(session: requests.Session, url: str, headers: dict, n: int) -> Measured:
    for _ in range(3):  # warm: each worker's first request loads what it caches
        _timed(session, url, headers)
    alone = [_timed(session, url, headers)[0] for _ in range(n)]
    wire = session.get(url, headers=headers | GZIP, timeout=TIMEOUT, stream=True)
    wire_bytes = len(wire.raw.read(decode_content=False))
    last = _timed(session, url, headers)[1]
    together, lock = [], threading.Lock()

    def worker(count: int) -> None:
        mine = requests.Session()
        mine.cookies.update(session.cookies)
        for _ in range(count):
            elapsed, _ = _timed(mine, url, headers)
            with lock:
                together.append(elapsed)

    threads = [threading.Thread(target=worker, args=(max(1, n // 8),)) for _ in range(8)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return Measured(statistics.median(alone), percentile(alone, 95), percentile(alone, 99), percentile(together, 95),
                    len(together) / wall, last.headers.get("X-Statements", "?"), len(last.content), wire_bytes)


def first_visit(base: str) -> int:
    """The sign-in page and each stylesheet, script and image it names, on the wire."""
    browser = requests.Session()
    page = browser.get(f"{base}/sign-in", headers=GZIP, timeout=TIMEOUT, stream=True)
    total, html = len(page.raw.read(decode_content=False)), browser.get(f"{base}/sign-in", timeout=TIMEOUT).text
    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', html))
    for asset in assets:
        found = browser.get(urljoin(base, asset), headers=GZIP, timeout=TIMEOUT, stream=True)
        total += len(found.raw.read(decode_content=False))
        css = found.headers.get("Content-Type", "").startswith("text/css")
        if css:  # fonts and images a stylesheet names are fetched on a first visit too
            for inner in set(re.findall(r"url\(([^)]+)\)", browser.get(urljoin(base, asset), timeout=TIMEOUT).text)):
                inner_url = urljoin(urljoin(base, asset), inner.strip("'\""))
                if inner_url.startswith(base) and not inner.startswith("data:"):
                    total += len(browser.get(inner_url, headers=GZIP, timeout=TIMEOUT, stream=True).raw.read(
                        decode_content=False))
    return total


def marked(url: str) -> dict[str, str]:
    """The public ids of the cases and referral bench/national.py marked."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT m.name, coalesce(c.public_id, r.public_id)::text FROM bench_marked m "
            "LEFT JOIN cases c ON c.id = m.id AND m.name <> 'referral' "
            "LEFT JOIN referrals r ON r.id = m.id AND m.name = 'referral'")).all()
        cases = conn.execute(text("SELECT count(*) FROM cases")).scalar()
    engine.dispose()
    return {name: public_id for name, public_id in rows} | {"cases": f"{cases:,}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per page at each concurrency")
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database bench/national.py filled.")
    ids = marked(url)
    logs = Path(tempfile.mkdtemp(prefix="resolve-pages-"))
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "PORTAL_URL", "SERVER_NAME")}
    env |= {"RESOLVE_ENV": "development", "STATEMENTS_HEADER": "1", "RESOLVE_INSTANCE": str(logs),
            "SIGN_IN_RATE_LIMIT": "0", "PYTHONUNBUFFERED": "1"}
    portal, base = serve("wsgi:app", env, logs / "portal.log")
    bare, bare_base = serve("bench.bare:app", env, logs / "bare.log")
    try:
        sessions: dict[str, requests.Session] = {}
        rows, measured = [], {}
        reference = measure(requests.Session(), bare_base + "/", {}, args.requests)
        print(f"{ids['cases']} cases; bare endpoint: p50 {reference.p50:.1f} ms, "
              f"{reference.per_second_at_8:.0f} requests a second at concurrency 8", flush=True)
        for page in PAGES:
            if args.only and args.only not in page.name:
                continue
            session = sessions.get(page.persona) or sessions.setdefault(page.persona, sign_in(base, page.persona))
            found = measure(session, base + page.path.format(**ids), PARTIAL if page.partial_of else {},
                            args.requests)
            measured[page.name] = found
            share = ""
            if page.partial_of and page.partial_of in measured:
                share = f"{100 * found.html_bytes / measured[page.partial_of].html_bytes:.0f}%"
            ratio = f"{100 * found.per_second_at_8 / reference.per_second_at_8:.1f}%"
            rows.append(f"| {page.name} | {page.persona} | {found.p50:.0f} | {found.p95:.0f} | {found.p99:.0f} | "
                        f"{found.p95_at_8:.0f} | {found.per_second_at_8:.1f} ({ratio}) | {found.statements} | "
                        f"{found.html_bytes / 1024:.1f} / {found.wire_bytes / 1024:.1f} | {share} |")
            print(rows[-1], flush=True)
        visit = first_visit(base)
    finally:
        for process in (portal, bare):
            process.terminate()
            process.wait(timeout=30)
    print()
    print("| page | persona | p50 ms | p95 ms | p99 ms | p95 ms at 8 | requests/s at 8 (of bare) | statements | "
          "KB html / on the wire | partial's share |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\nBare Flask endpoint: {reference.per_second_at_8:.0f} requests a second at concurrency 8. "
          f"First visit (sign-in page and its assets): {visit / 1024:.0f} KB on the wire.")


if __name__ == "__main__":
    main()
