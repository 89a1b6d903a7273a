"""The lock (requirements.lock) is what every install takes: it pins the whole dependency tree with
hashes, it satisfies every lower bound of setup.cfg and pyproject.toml, and the environment the
suite runs in is exactly the lock (so a green run means a fresh machine gets what was tested).
Regenerate it with `make lock` when setup.cfg changes."""
from __future__ import annotations

import configparser
import os
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


def locked() -> dict[str, tuple[Version, list[str]]]:
    """name -> (version, hashes) from the lock."""
    entries: dict[str, tuple[Version, list[str]]] = {}
    current = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            entries[current] = (Version(match.group(2)), [])
        elif current and "--hash=" in line:
            entries[current][1].append(line.split("--hash=", 1)[1].strip(" \\"))
        elif line and not line.startswith(" "):
            current = None
    return entries


def declared() -> list[Requirement]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = cfg["options"]["install_requires"].splitlines()
    for extra in cfg["options.extras_require"]:
        lines += cfg["options.extras_require"][extra].splitlines()
    with open(ROOT / "pyproject.toml", "rb") as fh:
        lines += tomllib.load(fh)["build-system"]["requires"]
    return [Requirement(line.strip()) for line in lines if line.strip() and not line.strip().startswith("#")]


def test_every_locked_package_is_pinned_with_hashes():
    entries = locked()
    assert len(entries) > 40, "the lock should hold the whole tree, not only the direct dependencies"
    unhashed = [name for name, (_, hashes) in entries.items() if not hashes]
    assert not unhashed, f"locked without a hash: {unhashed}"
    assert not re.search(r"^\s*[A-Za-z0-9][^=\s#]*(>=|<=|~=|>|<)", LOCK.read_text(encoding="utf-8"), re.M)


def test_the_lock_satisfies_every_declared_requirement():
    """Fails when setup.cfg (or the build requirements) ask for something the lock does not give:
    run `make lock`, then the suite, and commit both."""
    entries = locked()
    problems = []
    for req in declared():
        name = canonicalize_name(req.name)
        if name == canonicalize_name("border_referral"):
            continue
        if name not in entries:
            problems.append(f"{req} is not in the lock")
            continue
        version = entries[name][0]
        if not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req} is not satisfied by the locked {name}=={version}")
        for extra in req.extras:  # psycopg[binary] -> psycopg-binary
            if canonicalize_name(f"{req.name}-{extra}") not in entries:
                problems.append(f"{req}: the extra {extra!r} is not in the lock")
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(os.environ.get("BR_SKIP_LOCK_CHECK") == "1",
                    reason="make test-newest runs the suite against the newest releases on purpose")
def test_the_suite_runs_on_exactly_the_locked_versions():
    """Every install path (make install/run/test, .ci/run) installs from the lock; an environment that
    drifted (a package installed by hand, an old .venv) fails here rather than passing by luck."""
    drift = []
    for name, (version, _) in locked().items():
        try:
            installed = Version(metadata.version(name))
        except metadata.PackageNotFoundError:
            drift.append(f"{name}=={version} is locked but not installed")
            continue
        if installed != version:
            drift.append(f"{name}: locked {version}, installed {installed}")
    assert not drift, "\n".join(drift) + "\nrun `make install` (it installs the lock)"
