"""How fast the server answers over HTTP: authenticated API look-ups and the dashboard.

Seeds (or reuses, from ``--cache``) the vault of ``bench/vault_bench.py`` (``--subjects``
data subjects, one and a half records each), starts ``kluis serve`` on it in separate
processes (``--workers``; background jobs off, so that only the requests are measured),
creates an API token for the DPO, and then loads it from a second program on loopback:
``wrk`` (Debian's package) with a Lua script sending, on ``--connections`` connections for
``--duration`` seconds, authenticated look-ups of a person by e-mail
(``POST /api/v1/subjects/search``) and shows of a person's records
(``GET /api/v1/subjects/{id}``), each one its own transaction with its audit entry. Prints
requests per second and the latency percentiles wrk measured, the same for a control that
reads no personal data (``GET /api/v1/me``: how fast the machine and the HTTP stack are at
that moment), then times the dashboard (``GET /``, signed in as the DPO) sequentially.

    .venv/bin/python bench/api_bench.py [--subjects 1000000] [--workers 1]
        [--database-url postgresql://...] [--cache .bench-cache] [--duration 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vault_bench import (
    SHOWER,
    bench_vault,
    email_of,
    sample_subjects,
    seed,
)

from kluis.core.actor import Actor
from kluis.storage import transaction
from kluis.users.auth import create_token, set_password

#: The targets: look-ups per second and their p99, the dashboard's time.
TARGET_RATE, TARGET_P99_MS, TARGET_DASHBOARD_MS = 1000.0, 50.0, 200.0
PASSWORD = "bench password, not for production"

LUA = """
local bodies = {}
local paths = {}
local token = "%(token)s"
local shows = %(shows)s
for line in io.lines("%(emails)s") do
  bodies[#bodies + 1] = '{"kind":"email","value":"' .. line .. '"}'
end
for line in io.lines("%(subjects)s") do
  paths[#paths + 1] = "/api/v1/subjects/" .. line
end
local counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. token
  if shows > 0 and counter %% 100 < shows then
    return wrk.format("GET", paths[math.random(#paths)], headers, nil)
  end
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/subjects/search", headers, bodies[math.random(#bodies)])
end
local failures = 0
response = function(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
end
done = function(summary, latency, requests)
  io.write(string.format("non-200: %%d\\n", summary.errors.status))
end
"""


#: The control: an authenticated call that reads no personal data (``GET /api/v1/me``,
#: answered from the process's cache of callers), which measures the machine and the HTTP
#: stack at the moment of the run rather than Kluis's look-ups.
CONTROL_LUA = """
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.path = "/api/v1/me"
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _home(folder: Path, url: str, key_file: Path) -> Path:
    """A working folder whose kluis.toml points at the bench vault."""
    home = folder / "api-home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "kluis.toml").write_text(
        f"database_url = {json.dumps(url)}\nkey_file = {json.dumps(str(key_file))}\n",
        encoding="utf-8",
    )
    return home


def _credentials(engine: Engine) -> str:
    """An API token for the DPO (who may read every activity), and a password to sign in."""
    at = datetime.now(UTC)
    with transaction(engine) as session:
        dpo = Actor(SHOWER, frozenset({"dpo"}))
        set_password(session, SHOWER, PASSWORD, actor=dpo, at=at)
        _token, plain = create_token(session, "bench", ["dpo"], actor=dpo, at=at)
    return plain


def _start(home: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "KLUIS_HOME": str(home), "KLUIS_JOBS": "off"}
    command = [
        str(Path(sys.executable).with_name("kluis")),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    server = subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code < 500:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def _stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def _wrk(
    port: int, script: Path, *, threads: int, connections: int, duration: int
) -> dict[str, float]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed as the load generator: apt-get install wrk")
    output = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures: dict[str, float] = {}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    figures["rate"] = float(rate.group(1)) if rate else 0.0
    for percent, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M):
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        figures[f"p{percent}"] = float(value) * scale
    failed = re.search(r"non-200: (\d+)", output)
    figures["non_200"] = float(failed.group(1)) if failed else -1.0
    total = re.search(r"(\d+) requests in", output)
    figures["requests"] = float(total.group(1)) if total else 0.0
    return figures


def _dashboard(port: int, rounds: int) -> dict[str, float]:
    """Sign in as the DPO and time ``GET /`` ``rounds`` times, one after the other."""
    base = f"http://127.0.0.1:{port}"
    # The cookies are Secure: sent back by hand, as a browser does on 127.0.0.1.
    with httpx.Client(base_url=base, follow_redirects=False) as browser:
        csrf = browser.get("/login").cookies.get("kluis_csrf") or ""
        signed = browser.post(
            "/login",
            data={"name": SHOWER, "password": PASSWORD, "next": "/", "csrf_token": csrf},
            headers={"cookie": f"kluis_csrf={csrf}"},
        )
        if signed.status_code != 303:
            raise SystemExit(f"could not sign in to time the dashboard: {signed.status_code}")
        cookie = {"cookie": f"kluis_session={signed.cookies.get('kluis_session')}"}
        for _warm in range(5):
            browser.get("/", headers=cookie)
        timings = []
        for _round in range(rounds):
            started = time.perf_counter()
            answer = browser.get("/", headers=cookie)
            timings.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"the dashboard answered {answer.status_code}")
    timings.sort()
    return {
        "p50": statistics.median(timings),
        "p95": timings[int(len(timings) * 0.95) - 1],
        "max": timings[-1],
    }


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: SQLite in --cache)")
    parser.add_argument("--cache", type=Path, default=Path(".bench-cache"))
    parser.add_argument("--duration", type=int, default=20, help="seconds of load")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--shows", type=int, default=20, help="percent of requests that show")
    parser.add_argument("--dashboard", type=int, default=50, help="dashboard requests to time")
    parser.add_argument("--random-seed", type=int, default=20261202)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv)
    cache = args.cache.resolve()
    vault = bench_vault(args.database_url, cache, args.subjects)
    print(f"vault: {vault.label}, {args.subjects:,} subjects")
    engine, _provider, _seeding = seed(vault, args.subjects, 5000, "bulk", 2)
    rng = random.Random(args.random_seed)
    token = _credentials(engine)
    subjects = sample_subjects(engine, 2000, rng)
    engine.dispose()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        emails = folder / "emails.txt"
        emails.write_text("\n".join(email_of(rng.randrange(args.subjects)) for _ in range(5000)))
        ids = folder / "subjects.txt"
        ids.write_text("\n".join(str(subject) for subject in subjects))
        script = folder / "lookups.lua"
        script.write_text(
            LUA % {"token": token, "emails": emails, "subjects": ids, "shows": args.shows},
            encoding="utf-8",
        )
        control_script = folder / "control.lua"
        control_script.write_text(CONTROL_LUA % {"token": token}, encoding="utf-8")
        port = _free_port()
        server = _start(_home(cache, vault.url, vault.key_file), port, args.workers)
        try:
            _wrk(port, script, threads=args.threads, connections=args.connections, duration=3)
            load = _wrk(
                port,
                script,
                threads=args.threads,
                connections=args.connections,
                duration=args.duration,
            )
            control = _wrk(
                port, control_script, threads=args.threads, connections=args.connections, duration=5
            )
            dashboard = _dashboard(port, args.dashboard)
        finally:
            _stop(server)
    print(
        f"\nAPI look-ups ({100 - args.shows}% searches by e-mail, {args.shows}% shows), "
        f"{args.workers} server process(es), wrk {args.threads} thread(s) and "
        f"{args.connections} connections for {args.duration} s on loopback; "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"
    )
    rate_ok = "meets" if load["rate"] >= TARGET_RATE else "MISSES"
    p99_ok = "meets" if load.get("p99", 1e9) < TARGET_P99_MS else "MISSES"
    print(
        f"  {load['requests']:,.0f} requests, {load['rate']:,.0f}/s ({rate_ok} >= 1,000/s), "
        f"non-200: {load['non_200']:.0f}"
    )
    print(
        f"  latency ms: p50 {load.get('p50', 0):.1f}  p75 {load.get('p75', 0):.1f}  "
        f"p90 {load.get('p90', 0):.1f}  p99 {load.get('p99', 0):.1f} ({p99_ok} < 50 ms)"
    )
    print(
        f"  control, GET /api/v1/me on the same connections: {control['rate']:,.0f}/s, "
        f"p50 {control.get('p50', 0):.1f} ms, p99 {control.get('p99', 0):.1f} ms"
    )
    dash_ok = "meets" if dashboard["p95"] < TARGET_DASHBOARD_MS else "MISSES"
    print(
        f"dashboard ms ({args.dashboard} requests, one at a time): p50 {dashboard['p50']:.1f}  "
        f"p95 {dashboard['p95']:.1f} ({dash_ok} < 200 ms)  max {dashboard['max']:.1f}"
    )


if __name__ == "__main__":
    main()
