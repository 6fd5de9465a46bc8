"""The `subsidy` console script. A wheel ships the command line (cli.py) inside this package, as
solver/_cli.py, so that no other distribution's top-level `cli` module can replace it; a source
tree or an editable install runs cli.py beside solver/."""
from __future__ import annotations


def run() -> None:
    # Loading the modules makes objects that live to the end, and the collector's passes over
    # them (66 young and 5 older ones) took ~9 ms of a ~95 ms import (median of 40 fresh
    # processes: 96.5 ms with the collector, 87.1 ms without). cli.run turns it on again once
    # everything is imported (pipeline.collect_less).
    import gc
    gc.disable()
    try:
        from ._cli import run as command  # an installed wheel
    except ImportError:
        from cli import run as command  # the source tree (pip install -e .)
    command()
