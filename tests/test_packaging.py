"""The wheel as a user installs it: the command line travels inside the `solver` package, so no
other distribution's top-level `cli` module can replace the `subsidy` command."""
from __future__ import annotations

import subprocess
import sys
import zipfile

from .conftest import ROOT


def test_the_wheel_installs_one_top_level_package(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("subsidy_solver-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert tops == {"solver"}, tops  # no top-level cli.py beside it
    assert "solver/_cli.py" in names and "solver/_data/rules/vocabulary.rules" in names
    assert {"solver/web/index.html", "solver/web/app.js", "solver/web/style.css"} <= set(names)  # subsidy serve's page
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "subsidy = solver.command:run" in entry
