"""Issue 14, "Proof in the suite": no personal data in any log, over the whole run.

A pytest plugin, enabled from tests/conftest.py. For the whole session it

- keeps the text of every log record of every logger, at every level: the message with its
  arguments, the `extra` fields and the traceback, whether or not a handler would have written it
  (the app's loggers do not propagate and run at WARNING in the suite, so a handler on the root
  logger would miss them); also the access lines of werkzeug's server that the browser tests run in
  a thread. Records are taken where a logger hands them to its handlers, and those are still only
  called when the level allows, so what the suite writes and sees does not change;
- collects every value the suite seals with the vault (`Vault.write`, the one place personal fields
  are encrypted), keeping strings of at least MIN_LENGTH characters that are not dates, short
  numbers, codes or words of the program's own source (see `distinctive`: a legal ground "Consent"
  is sealed, and `/steps/consent` is in the access log), and the canary strings of tests/security
  (`Zq-canary-<kind>-<centre>`, by their pattern);
- at the end looks for each value in all the log text (exact substring, case-insensitive) and, if
  any is found, fails the run, naming the logger and a redacted hint of the value, never the record.

It prints `canaries in logs: 0 of N values in M log records`.

The same values are looked for in the database: after each test on SQLite, the bytes of that test's
database file (and its write-ahead log) must not hold, in clear, any value the test sealed. It prints
`canaries in database files: 0 of N values in M files`.

Records below their logger's level are not built for SQLAlchemy: its INFO and DEBUG are the
statement echo, which production never turns on (and its parameters are ciphertext and blind
indexes). Values sealed inside `SCAN.paused()` are not collected: the schemathesis test generates
strings from the schema's own words (paths, field names), which are not personal data and would
match log lines that legitimately carry them.
"""
from __future__ import annotations

import bisect
import contextlib
import functools
import json
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

MIN_LENGTH = 6
DATE_OR_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
                          r"|\d{1,2}:\d{2}(?::\d{2})?")
CODE = re.compile(r"[a-z][a-z0-9_]*")          # a code of the system (passport, written), not a person's data
WORD = re.compile(r"[a-z0-9][a-z0-9_-]*")
LITERAL = re.compile(r"(['\"])([^'\"\\\n]{3,80})\1")  # a short string literal of the source
CANARY = re.compile(r"zq-canary-[a-z0-9]+-[a-z]{2}", re.IGNORECASE)
NOT_BELOW_LEVEL = ("sqlalchemy",)
# A reference to a record (a case number "CR-2570-0001", "TL-2026/27-0007"), not a person's data: it
# travels inside sealed packages and is also, rightly, a column in clear.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")  # a record's id
RECORD_NUMBER = re.compile(r"[A-Z]{2,8}(?:-[A-Z]{2,8})*-\d{4}(?:/\d{2})?-\d{4}")
# Keys of sealed documents whose values are references to records or reference data kept in clear (a
# shelter of the centre's managed list, a crossing, a centre): not looked for.
NOT_PERSONAL_KEYS = frozenset({"case_number", "reference", "shelter", "crossing", "centre"})
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


@functools.lru_cache(maxsize=1)
def vocabulary() -> frozenset:
    """The words of the program itself (codes, steps, routes: `consent`, `CKG-HXY`), lower case:
    a value that is one of them is in paths and tracebacks whatever the data."""
    import border_referral

    words: set[str] = set()
    for path in Path(border_referral.__file__).parent.rglob("*.py"):
        source = path.read_text(encoding="utf-8").lower()
        words.update(WORD.findall(source))
        # And the program's own short texts ("Debt bondage", an indicator's label): a test that
        # seals one as if a person had written it does not make the label personal data where the
        # program prints or logs it.
        if path.name != "demo_story.py":  # its invented people stay looked for, as any person's data
            words.update(m.group(2) for m in LITERAL.finditer(source))
    return frozenset(words)


@functools.lru_cache(maxsize=1)
def reference_names() -> frozenset:
    """The names of the reference data the demo set loads (centres, crossings, partnerships), lower
    case: kept in clear on purpose, and a meeting's venue may well be "Chiang Rai"."""
    from border_referral import demo

    names: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, str):
            names.add(value.strip().lower())
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, (list, tuple, set)):
            for item in value:
                walk(item)

    for name, value in vars(demo).items():
        if name.isupper():
            walk(value)
    return frozenset(names)


def distinctive(value: str) -> bool:
    """Worth looking for: long enough, and not something that also occurs in logs by chance (a
    date or a time, a number, a code word or another word of the program)."""
    if len(value) < MIN_LENGTH or DATE_OR_TIME.fullmatch(value) or CODE.fullmatch(value) \
            or RECORD_NUMBER.fullmatch(value) or UUID.fullmatch(value):
        return False
    if value.lower() in vocabulary() or value.lower() in reference_names():
        return False
    if not any(ch.isalpha() for ch in value):
        # numbers, phone numbers, id numbers: only long ones (a record id or a duration could be short)
        return sum(ch.isdigit() for ch in value) >= 9
    return True


def redacted(value: str) -> str:
    return f"{value[:2]}…({len(value)} characters)"


@dataclass(frozen=True)
class Finding:
    logger: str
    hint: str


class Scanner:
    def __init__(self) -> None:
        self.values: set[str] = set()
        self.recent: set[str] = set()              # sealed during the running test
        self.db_files = 0
        self.db_values = 0
        self.db_findings: list[Finding] = []
        self.records: list[tuple[str, str]] = []   # (logger name, text)
        self._paused = threading.local()
        self._formatter = logging.Formatter()

    # ---------------------------------------------------------------- values
    def add(self, value) -> None:
        """A sealed value (any JSON value): its strings, walked through lists and mappings."""
        if getattr(self._paused, "depth", 0):
            return
        if isinstance(value, str):
            value = value.strip()
            if value[:1] in ("{", "[") and self._walk_json(value):
                return
            if distinctive(value):
                self.values.add(value)
                self.recent.add(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in NOT_PERSONAL_KEYS:
                    self.add(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                self.add(item)

    def _walk_json(self, value: str) -> bool:
        """A JSON document kept as text (the minutes' items, an agenda's translations): its strings."""
        try:
            parsed = json.loads(value)
        except ValueError:
            return False
        if not isinstance(parsed, (dict, list)):
            return False
        self.add(parsed)
        return True

    @contextlib.contextmanager
    def paused(self):
        """Seal without collecting (generated data that is not personal)."""
        self._paused.depth = getattr(self._paused, "depth", 0) + 1
        try:
            yield
        finally:
            self._paused.depth -= 1

    # ---------------------------------------------------------------- log records
    def text_of(self, record: logging.LogRecord) -> str:
        try:
            parts = [record.getMessage()]
        except Exception:  # a broken format: keep what there is
            parts = [f"{record.msg!r} {record.args!r}"]
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}
        if extras:
            parts.append(" ".join(f"{k}={v}" for k, v in extras.items()))
        if record.exc_info and record.exc_info[0] is not None:
            parts.append(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(record.stack_info)
        return "\n".join(parts)

    def capture(self, record: logging.LogRecord) -> None:
        try:
            self.records.append((record.name, self.text_of(record)))
        except Exception:  # never break the code that logs
            self.records.append((record.name, f"<unformattable record {record.msg!r}>"))

    # ---------------------------------------------------------------- the scan
    def scan(self, values=None, records=None) -> list[Finding]:
        """Each value (and each canary) found in the log text, with the logger that wrote it."""
        values = self.values if values is None else values
        records = self.records if records is None else records
        unique: dict[str, str] = {}
        for name, text in records:
            unique.setdefault(text.lower(), name)
        texts = list(unique)
        starts, pos = [], 0
        for text in texts:
            starts.append(pos)
            pos += len(text) + 1
        big = "\x00".join(texts)
        found: dict[tuple[str, str], Finding] = {}

        def logger_at(offset: int) -> str:
            return unique[texts[bisect.bisect_right(starts, offset) - 1]]

        for value in values:
            at = big.find(value.lower())
            if at >= 0:
                name = logger_at(at)
                found.setdefault((name, value), Finding(name, redacted(value)))
        for match in CANARY.finditer(big):
            name = logger_at(match.start())
            found.setdefault((name, match.group()), Finding(name, redacted(match.group())))
        return list(found.values())


    # ---------------------------------------------------------------- database files
    def scan_database(self, test: str, paths) -> None:
        """The values sealed during one test, looked for in the bytes of its database files."""
        values, self.recent = self.recent, set()
        if not values:
            return
        blobs = [p.read_bytes() for p in paths if p.is_file()]
        if not blobs:
            return
        self.db_files += 1
        self.db_values += len(values)
        for value in values:
            needle = value.encode("utf-8")
            if any(needle in blob for blob in blobs):
                self.db_findings.append(Finding(f"database of {test}", redacted(value)))


def _sqlite_files(item) -> list[Path]:
    """The SQLite file (and its -wal) of the app a test used, if it used one on SQLite."""
    for name in ("app", "demo"):
        app = item.funcargs.get(name) if hasattr(item, "funcargs") else None
        url = getattr(app, "config", {}).get("DATABASE_URL", "") if app is not None else ""
        if url.startswith("sqlite:///"):
            path = Path(url[len("sqlite:///"):].split("?")[0])
            return [path, path.with_name(path.name + "-wal")]
    return []


SCAN = Scanner()
_saved: dict[str, object] = {}
_result: dict[str, object] = {}


def _install() -> None:
    from border_referral.crypto.vault import Vault

    enabled, call_handlers, write = logging.Logger.isEnabledFor, logging.Logger.callHandlers, Vault.write
    _saved.update(enabled=enabled, call_handlers=call_handlers, write=write)

    def is_enabled_for(self, level):
        if enabled(self, level):
            return True
        # Build every record so that it is seen, unless logging is disabled outright.
        if self.disabled or self.manager.disable >= level:
            return False
        return not self.name.startswith(NOT_BELOW_LEVEL)

    def call_handlers_seen(self, record):
        SCAN.capture(record)
        if enabled(self, record.levelno):
            call_handlers(self, record)

    def write_seen(self, obj, values):
        for name, value in values.items():
            if name not in NOT_PERSONAL_KEYS:  # e.g. a decision's `shelter`: one of the centre's list
                SCAN.add(value)
        return write(self, obj, values)

    logging.Logger.isEnabledFor = is_enabled_for
    logging.Logger.callHandlers = call_handlers_seen
    Vault.write = write_seen
    _clear_level_caches()


def _uninstall() -> None:
    if not _saved:
        return
    from border_referral.crypto.vault import Vault

    logging.Logger.isEnabledFor = _saved["enabled"]
    logging.Logger.callHandlers = _saved["call_handlers"]
    Vault.write = _saved["write"]
    _saved.clear()
    _clear_level_caches()


def _clear_level_caches() -> None:
    logging.getLogger().manager._clear_cache()


def pytest_configure(config):
    _install()


def pytest_unconfigure(config):
    _uninstall()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    files = _sqlite_files(item)
    yield
    if files:
        SCAN.scan_database(item.nodeid, files)
    else:
        SCAN.recent = set()


def conclude(session, scanner: Scanner) -> dict:
    """Scan, and fail the session if personal data reached a log or a database file in clear."""
    started = time.perf_counter()
    findings = scanner.scan()
    if (findings or scanner.db_findings) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    return {"findings": findings, "values": len(scanner.values), "records": len(scanner.records),
            "seconds": time.perf_counter() - started, "chars": sum(len(text) for _name, text in scanner.records),
            "loggers": Counter(name.split(".")[0] for name, _text in scanner.records).most_common(6)}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session, exitstatus):
    _result.update(conclude(session, SCAN))


def pytest_terminal_summary(terminalreporter):
    if not _result:
        return
    findings = _result["findings"]
    terminalreporter.write_line(
        f"canaries in logs: {len(findings)} of {_result['values']} values in {_result['records']} log records "
        f"({_result['chars']} characters, scanned in {_result['seconds']:.2f} s; by logger: "
        f"{', '.join(f'{name} {n}' for name, n in _result['loggers'])})", red=bool(findings))
    for finding in findings:
        terminalreporter.write_line(f"  personal data in a log record of `{finding.logger}`: {finding.hint}", red=True)
    terminalreporter.write_line(
        f"canaries in database files: {len(SCAN.db_findings)} of {SCAN.db_values} values in {SCAN.db_files} files",
        red=bool(SCAN.db_findings))
    for finding in SCAN.db_findings:
        terminalreporter.write_line(f"  personal data in clear in the {finding.logger}: {finding.hint}", red=True)
