"""A package's ``__all__`` is exactly what it offers (httpx's ``tests/test_exported_members.py``).

A package of ours that declares ``__all__`` is a front door: its ``__init__`` defines or re-exports
the names other packages use, and ``__all__`` lists them, sorted as ruff's RUF022 sorts them. So a
name added to the door without listing it fails here, and so does a name listed but gone.

What a package's namespace holds that is not on offer: private names, module objects (its
submodules, once imported, and modules it imports), ``annotations`` (the ``__future__`` import)
and the helpers it imports from the standard library or third parties for its own code
(``dataclass``, ``StrEnum``). Every other public name, ours, must be in ``__all__``.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("cli", "federation", "hub", "monitoring", "tenants")


def packages_with_all() -> list[str]:
    """Every package of ours whose ``__init__`` declares ``__all__``: found, not listed by hand, so
    a new front door is checked from its first commit."""
    found = []
    for top in OURS:
        for init in sorted((ROOT / top).rglob("__init__.py")):
            if re.search(r"^__all__\b", init.read_text(encoding="utf-8"), re.MULTILINE):
                found.append(".".join(init.parent.relative_to(ROOT).parts))
    return found


def _is_ours(value: object) -> bool:
    """Whether a name's value is our code's: a class or function is where its module says; any other
    value (a constant, a table, a logger) was assigned by the package itself, unless it is one of
    ``typing``'s special forms."""
    if isinstance(value, type) or inspect.isroutine(value):
        return str(getattr(value, "__module__", "")).partition(".")[0] in OURS
    return type(value).__module__ not in ("typing", "typing_extensions")


def public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and name != "annotations"
        and not isinstance(value, types.ModuleType)
        and _is_ours(value)
    }


def ruff_order(name: str) -> tuple[int, list[str | int]]:
    """RUF022's isort-style order: SCREAMING_SNAKE_CASE, then CamelCase, then the rest; numbers in
    names in their natural order."""
    group = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return group, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


PACKAGES = packages_with_all()


def test_the_packages_with_a_front_door_are_found() -> None:
    assert {"tenants.sealing", "tenants.tenders", "federation.vendors", "monitoring.metrics"} <= set(PACKAGES)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names_sorted(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), f"{name}.__all__ lists a name twice"
    missing = sorted(set(exported) - set(vars(module)))
    assert not missing, f"{name}.__all__ lists names the package does not have: {missing}"
    assert exported == sorted(public_names(module), key=ruff_order)
