"""The arrows of the house stay as drawn (README, "How the code is laid out"):

- shared parts import no feature;
- a feature imports shared parts and, of the features before it, only their public modules
  (`services`, `labels`, `models`), never their views, forms, api, cli, templates' helpers or
  any private name (`_something`), and never a feature after it;
- referrals are reached from outside only through `referrals.services`;
- the demo's story stands above every feature, like the app factory: it tells its story through
  the features' services, and imports nothing else of theirs.

The rule walks the imports of every module of border_referral with `ast` (imports inside functions
included), so it fails on a forbidden import wherever it is written."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from border_referral import FEATURES

PACKAGE = Path(__file__).resolve().parent.parent / "border_referral"
# The features in the order they build on each other; everything else in the package is shared.
ORDER = ("cases", "screening", "referrals", "repatriation", "meetings", "reports", "privacy")
PUBLIC = {"services", "labels", "models"}
# Reached from outside only through its services.
SERVICES_ONLY = {"referrals"}
# Above every feature: may use any feature's services, and only those.
TOP = {"border_referral.demo_story"}


def part_of(module: str) -> str | None:
    """'border_referral.cases.services' -> 'cases'; a shared module -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ORDER else None


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names taken from it) for every import of a module."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            # `from ..cases import services` imports the module cases.services
            out.append((node.lineno, target, names))
    return out


def violations_of(module: str, source: str, is_package: bool) -> list[str]:
    own = part_of(module)
    problems = []
    for line, target, names in imports_of(source, module, is_package):
        if not target.startswith("border_referral"):
            continue
        for full, taken in _resolve(target, names):
            other = part_of(full)
            if other is None or other == own:
                continue
            where = f"{module}:{line} imports {full}"
            if module in TOP:
                if full.split(".")[2:3] != ["services"]:
                    problems.append(f"{where}: the demo's story uses only the features' services")
                continue
            if own is None:
                problems.append(f"{where}: a shared part imports the feature {other}")
                continue
            if ORDER.index(other) > ORDER.index(own):
                problems.append(f"{where}: {own} comes before {other} and may not import it")
                continue
            rest = full.split(".")[2:]
            room = rest[0] if rest else None
            if room not in PUBLIC:
                problems.append(f"{where}: only the public modules {sorted(PUBLIC)} of {other} may be imported")
            elif other in SERVICES_ONLY and room != "services":
                problems.append(f"{where}: {other} is reached only through {other}.services")
            private = [n for n in taken if n.startswith("_")]
            if private:
                problems.append(f"{where}: takes private names {private}")
    return problems


def _resolve(target: str, names: list[str]) -> list[tuple[str, list[str]]]:
    """The modules an import reaches, each with the names taken from it: `from ..cases import
    services` reaches border_referral.cases.services; `from ..cases.services import x` takes x."""
    depth = len(target.split("."))
    if names and depth <= 2:  # from border_referral[.feature] import submodules
        return [(f"{target}.{n}", []) for n in names]
    return [(target, names)]


def all_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, module_name(path), path.name == "__init__.py"


def test_the_features_of_the_app_factory_are_the_ones_ordered_here():
    assert [f for f in FEATURES if f in ORDER] == list(ORDER)


def test_every_import_follows_the_arrows():
    problems = []
    for path, module, is_package in all_modules():
        problems += violations_of(module, path.read_text(encoding="utf-8"), is_package)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module, source", [
    ("border_referral.cases.services", "from ..referrals.services import of_case"),
    ("border_referral.cases.views", "def f():\n    from ..screening import services\n"),
    ("border_referral.audit.services", "from ..cases.models import Case"),
    ("border_referral.repatriation.services", "from ..referrals.models import Referral"),
    ("border_referral.repatriation.views", "from ..cases.views import index"),
    ("border_referral.screening.views", "from ..cases.labels import _secret"),
    ("border_referral.meetings.services.agenda_items", "from ...referrals import labels"),
    ("border_referral.notifications.services", "import border_referral.referrals.services"),
    ("border_referral.demo_story", "from .cases.models import Case"),
    ("border_referral.demo", "from .cases import services"),
])
def test_a_forbidden_import_is_caught(module, source):
    assert violations_of(module, source, module.endswith("__init__")), source


@pytest.mark.parametrize("module, source", [
    ("border_referral.screening.services", "from ..cases import services as cases"),
    ("border_referral.repatriation.services", "from ..cases.models import Case"),
    ("border_referral.meetings.services.agenda_items", "from ...referrals import services as referrals"),
    ("border_referral.referrals.services", "from ..notifications.services import notify_centre"),
    ("border_referral.cases.views", "from ..sections import case_page"),
    ("border_referral.demo_story", "from .meetings import services as meetings"),
])
def test_an_allowed_import_passes(module, source):
    assert violations_of(module, source, module.endswith("__init__")) == []
