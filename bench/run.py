"""Measure a generated instance with wrk, against a hello-world ceiling in the same run.

    .venv/bin/python -m bench.run --name sqlite --name postgresql     # after bench.generate
    .venv/bin/python -m bench.run --name sqlite --duration 2 --scenario api_case_get

For each instance (build/bench/<name>/manifest.json) it starts the app under gunicorn with the
production settings (config/gunicorn.conf.py, wsgi:app) and bench/hello.py under the same settings,
each on a free port of 127.0.0.1, signs case.cr in for the pages (the API uses the manifest's token),
runs wrk on every scenario for a bounded time, stops both servers and writes the figures into
bench/results.json under the instance's name (other names already in the file are kept)."""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
RESULTS = ROOT / "bench" / "results.json"
LUA = ROOT / "bench" / "wrk.lua"
PAGE_SIZE = 25  # border_referral/cases/services/_access.py
DEMO_PASSWORD = "border-demo-2026"


@dataclass
class Scenario:
    name: str
    path: str
    server: str = "app"          # "app" or "hello"
    auth: str = "token"          # "token" (Bearer), "cookie" (signed-in session) or "none"
    method: str = "GET"
    body: bytes | None = None
    content_type: str | None = None
    notes: dict = field(default_factory=dict)


def scenarios(manifest: dict) -> list[Scenario]:
    """The scenarios of issue 15, as case.cr of Chiang Rai sees them."""
    sample = manifest["sample"]["cases"]
    case = sample[0]["case_id"]
    q = urllib.parse.quote
    open_cases = manifest["sample"]["status_counts"].get("open", 0)
    deep = max(1, min(500, math.ceil(open_cases / PAGE_SIZE)))
    new_case = {"person": {"full_name": "Made Up Benchmark", "latin_name": "Made Up Benchmark", "sex": "female",
                           "nationality": "MM", "date_of_birth": "2001-02-03", "id_numbers": ["BX0000000001"]},
                "narrative": "Made-up record created by the benchmark.", "exploitation_types": ["forced_labour"]}
    boundary = "benchboundary15"
    upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n"
              f"Content-Type: text/plain\r\n\r\n").encode() + attachment_bytes(manifest) + f"\r\n--{boundary}--\r\n".encode()
    dl = manifest["download"]
    return [
        Scenario("hello_world", "/", server="hello", auth="none"),
        Scenario("api_me", "/api/v1/me"),
        Scenario("case_list_page1", "/cases/", auth="cookie"),
        Scenario("case_list_page500_filtered", f"/cases/?status=open&page={deep}", auth="cookie",
                 notes={"page": deep, "filter": "status=open"}),
        Scenario("search_name", f"/api/v1/cases?q={q(sample[1]['latin_name'])}", notes={"by": "Latin name"}),
        Scenario("search_id_number", f"/api/v1/cases?q={q(sample[2]['id_number'])}"),
        Scenario("case_page", f"/cases/{case}", auth="cookie"),
        Scenario("referral_inbox", "/referrals/?box=inbox", auth="cookie"),
        Scenario("api_case_get", f"/api/v1/cases/{case}"),
        Scenario("api_case_create", "/api/v1/cases", method="POST", body=json.dumps(new_case).encode(),
                 content_type="application/json"),
        Scenario("attachment_upload", f"/api/v1/cases/{sample[3]['case_id']}/attachments", method="POST",
                 body=upload, content_type=f"multipart/form-data; boundary={boundary}",
                 notes={"bytes": dl["bytes"]}),
        Scenario("attachment_download", f"/api/v1/cases/{dl['case_id']}/attachments/{dl['attachment_id']}",
                 notes={"bytes": dl["bytes"]}),
    ]


def attachment_bytes(manifest: dict) -> bytes:
    size = manifest["download"]["bytes"]
    return (b"Benchmark upload, made-up text. " * (size // 32 + 1))[:size]


# ---------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(target: str, env: dict, log: Path):
    """gunicorn -c config/gunicorn.conf.py TARGET on a free port of 127.0.0.1; stopped on exit."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", target],
                                cwd=ROOT, env={**os.environ, **env, "PORT": str(port)}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc, log)
        yield base
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wait_until_up(base: str, proc, log: Path, timeout: float = 60) -> None:
    """Poll the server (ours, on 127.0.0.1: hence the nosec on urlopen) until it answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(base + "/", timeout=2) as resp:  # nosec B310
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s; see {log}")


def sign_in(base: str, email: str, password: str = DEMO_PASSWORD) -> str:
    """A signed-in session's Cookie header, through the sign-in form like a browser."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/sign-in", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    page = opener.open(base + "/sign-in", data=form, timeout=30)
    if "/sign-in" in page.geturl():
        raise RuntimeError(f"signing {email} in failed")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


# ---------------------------------------------------------------- wrk and raw AES-GCM

def probe(url: str, sc: Scenario, headers: dict) -> dict:
    """One request before the run: its status, and for a JSON list how many items it found (a search
    that finds nothing would measure the wrong thing)."""
    req = urllib.request.Request(url, data=sc.body, method=sc.method, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as resp:  # nosec B310
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, b""
    out = {"probe_status": status}
    if body[:1] == b"{" and b'"items"' in body:
        out["found"] = len(json.loads(body).get("items", []))
    return out


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect (to the sign-in page) is an answer to report
        return None


def wrk(url: str, sc: Scenario, headers: dict, work: Path, *, threads: int, connections: int,
        duration: float) -> dict:
    env = {**os.environ, "BENCH_METHOD": sc.method,
           "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in headers.items())}
    if sc.body is not None:
        body = work / f"{sc.name}.body"
        body.write_bytes(sc.body)
        env["BENCH_BODY_FILE"] = str(body)
    cmd = ["wrk", f"-t{threads}", f"-c{max(connections, threads)}", f"-d{duration:g}s", "--timeout", "10s",
           "--latency", "-s", str(LUA), url]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed on {sc.name}: {done.stderr.strip() or done.stdout[-500:]}")
    return json.loads(line.split(" ", 1)[1])


def aes_gcm_rates(data: bytes, seconds: float = 1.0) -> dict:
    """Raw AES-256-GCM on the same bytes, in this process, one thread: operations per second."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead, nonce = AESGCM(AESGCM.generate_key(bit_length=256)), os.urandom(12)
    sealed = aead.encrypt(nonce, data, None)
    out = {}
    for name, op in (("encrypt", lambda: aead.encrypt(nonce, data, None)),
                     ("decrypt", lambda: aead.decrypt(nonce, sealed, None))):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            op()
            n += 1
        out[name] = round(n / (time.perf_counter() - start), 1)
    return out


# ---------------------------------------------------------------- what ran where

def machine() -> dict:
    mem = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    cpu = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    total = re.search(r"MemTotal:\s+(\d+) kB", mem)
    model = re.search(r"model name\s*:\s*(.+)", cpu)
    return {"nproc": os.cpu_count(), "ram_gib": round(int(total.group(1)) / 2**20, 1) if total else None,
            "cpu": model.group(1).strip() if model else platform.processor(), "system": platform.platform(),
            "load_average_before": [round(x, 2) for x in os.getloadavg()]}


def versions(database_url: str) -> dict:
    from importlib.metadata import version

    import sqlite3

    out = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for pkg in ("flask", "gunicorn", "sqlalchemy", "cryptography", "psycopg"):
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - not installed is fine
            pass
    wrk_v = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    out["wrk"] = (wrk_v.stdout or wrk_v.stderr).split(" [")[0].strip()
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True)
    out["commit"] = os.environ.get("BENCH_COMMIT") or (
        git.stdout.strip() + ("+changes" if dirty.stdout.strip() else "") if git.returncode == 0 else "unknown")
    if database_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        eng = create_engine(database_url)
        with eng.connect() as conn:
            out["postgresql"] = conn.execute(text("SHOW server_version")).scalar()
        eng.dispose()
    return out


# ---------------------------------------------------------------- one instance

def run(name: str, *, duration: float = 10, threads: int = 2, connections: int = 16, only=None,
        root: Path = BUILD, out=print) -> dict:
    manifest = json.loads((root / name / "manifest.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="bench-", dir=root / name))
    logs = root / name / "logs"
    app_env = {"DATABASE_URL": manifest["database_url"], "BORDER_REFERRAL_INSTANCE": manifest["instance"]}
    entry = {"machine": machine(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "versions": versions(manifest["database_url"]), "database": manifest["database"],
             "scale": manifest["scale"], "loading": manifest["rates"],
             "wrk": {"threads": threads, "connections": connections, "duration_s": duration},
             "scenarios": {}}
    chosen = [sc for sc in scenarios(manifest) if not only or sc.name in only or sc.server == "hello"]
    aes = aes_gcm_rates(attachment_bytes(manifest))
    try:
        with gunicorn("bench.hello:app", {}, logs / "hello.log") as hello, \
                gunicorn("wsgi:app", app_env, logs / "app.log") as app:
            cookie = sign_in(app, manifest["user"])
            for sc in chosen:
                headers = {}
                if sc.auth == "token":
                    headers["Authorization"] = f"Bearer {manifest['token']}"
                elif sc.auth == "cookie":
                    headers["Cookie"] = cookie
                if sc.content_type:
                    headers["Content-Type"] = sc.content_type
                base = hello if sc.server == "hello" else app
                checked = probe(base + sc.path, sc, headers)
                got = wrk(base + sc.path, sc, headers, work, threads=threads, connections=connections,
                          duration=duration)
                entry["scenarios"][sc.name] = {**got, **checked, **sc.notes}
                out(f"  {name:12} {sc.name:28} {got['req_s']:9.1f} req/s  p50 {got['p50_ms']:7.1f} ms  "
                    f"p99 {got['p99_ms']:7.1f} ms  non-2xx {got['non_2xx']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Other work on the machine during the run (1, 5 and 15 minutes): a busy machine explains odd figures.
    entry["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    ceiling = entry["scenarios"]["hello_world"]["req_s"] or 1
    for sc_name, figures in entry["scenarios"].items():
        figures["ratio"] = round(figures["req_s"] / ceiling, 4)
        op = {"attachment_upload": "encrypt", "attachment_download": "decrypt"}.get(sc_name)
        if op:
            figures["aes_gcm_ops_s"] = aes[op]
            figures["ratio_to_aes_gcm"] = round(figures["req_s"] / aes[op], 4)
    return entry


def write_results(entries: dict, path: Path = RESULTS) -> None:
    """Replace these instances' entries in results.json, keep the others."""
    results = json.loads(path.read_text()) if path.exists() else {}
    results.update(entries)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", action="append", help="instance under build/bench/ (repeat); default sqlite")
    p.add_argument("--duration", type=float, default=float(os.environ.get("BENCH_DURATION", 10)))
    p.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 2)))
    p.add_argument("--connections", type=int, default=int(os.environ.get("BENCH_CONNECTIONS", 16)))
    p.add_argument("--scenario", action="append", help="only these (repeat); hello_world always runs")
    p.add_argument("--results", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk; `make bench` does it)")
    entries = {}
    for name in args.name or ["sqlite"]:
        print(f"== bench {name}: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s")
        entries[name] = run(name, duration=args.duration, threads=args.threads, connections=args.connections,
                            only=args.scenario)
    write_results(entries, args.results)
    print(f"results: {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
