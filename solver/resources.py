"""Where the grammar and the bundled rules are, from a source tree or an installed wheel.

In a source tree (and an editable install) they are `grammar/` and `rules/` beside `solver/`;
a wheel carries them as `solver/_data/grammar` and `solver/_data/rules`, and the example profiles
as `solver/_data/examples` (`subsidy example NAME` writes one out).
"""
from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (_HERE / "_data" / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the package is missing its {name}/ folder (looked in {_HERE})")


def grammar_path() -> Path:
    return _data_dir("grammar") / "rules.lark"


def rules_dir() -> Path:
    return _data_dir("rules")


def examples_dir() -> Path:
    return _data_dir("examples")


def examples() -> dict[str, Path]:
    """The bundled example profiles by name (`pinggu-2025` for examples/pinggu-2025.yaml)."""
    return {p.stem: p for p in sorted(examples_dir().glob("*.yaml"))}
