"""The `subsidy` console script. A wheel ships the command line (cli.py) inside this package, as
solver/_cli.py, so that no other distribution's top-level `cli` module can replace it; a source
tree or an editable install runs cli.py beside solver/."""
from __future__ import annotations


def run() -> None:
    try:
        from ._cli import run as command  # an installed wheel
    except ImportError:
        from cli import run as command  # the source tree (pip install -e .)
    command()
