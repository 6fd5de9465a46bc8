"""The wheel as a user installs it: the command line travels inside the `solver` package, so no
other distribution's top-level `cli` module can replace the `subsidy` command."""
from __future__ import annotations

import json
import os
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
    assert "solver/_data/rules/texts/004_pinggu.txt" in names  # the policy texts coverage reads
    assert "solver/bundled-rules.msgpack" in names  # the bundled rules checked (solver/shipped.py)
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "subsidy = solver.command:run" in entry


def _foreign_wheel(folder) -> str:
    """Another distribution's wheel that ships a top-level `cli.py` (many small tools do)."""
    path = folder / "othertool-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("cli.py", "def run():\n    raise SystemExit('othertool')\n")
        z.writestr("othertool-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: othertool\nVersion: 1.0\n")
        z.writestr("othertool-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                                    "Tag: py3-none-any\n")
        z.writestr("othertool-1.0.dist-info/RECORD", "")
    return str(path)


def test_another_wheels_cli_module_leaves_the_command_working(tmp_path):
    """Both wheels installed into one folder (pip --target, the dependencies from this
    environment): `subsidy` still runs ours, and `python -m solver` too; the bundled examples
    travel in the wheel and `subsidy example` writes one out from any directory."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    (ours,) = tmp_path.glob("subsidy_solver-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target",
                    str(site), str(ours), _foreign_wheel(tmp_path)], check=True, capture_output=True, timeout=300)
    assert (site / "cli.py").exists()  # the other tool's module is there, top-level
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "SUBSIDY_LANG": "en"}
    console = [sys.executable, "-c", "import sys; from solver.command import run; sys.argv[0] = 'subsidy'; run()"]
    version = subprocess.run(console + ["--version"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert version.returncode == 0 and "subsidy" in version.stdout, version.stderr
    written = subprocess.run(console + ["example", "pinggu-2025", "--out", "p.yaml"], cwd=elsewhere, env=env,
                             capture_output=True, text=True, timeout=120)
    assert written.returncode == 0, written.stderr
    # examples/pinggu-2025.yaml's total, 1,755,000 元 (README's table of examples)
    plan = subprocess.run([sys.executable, "-m", "solver", "optimize", "p.yaml", "--json"], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=120)
    assert plan.returncode == 0, plan.stderr
    assert json.loads(plan.stdout)["total"] == 1_755_000
    # the installed package's rules come checked, paths and all, with no cache: lark is never imported
    unparsed = ("import sys; from solver import pipeline, resources; r = pipeline.load_rules(); "
                "assert 'lark' not in sys.modules, 'parsed'; "
                "assert all(f.startswith(str(resources.rules_dir())) for f in r.files), r.files; "
                "assert '_data' in str(resources.rules_dir())")
    shipped = subprocess.run([sys.executable, "-c", unparsed], cwd=elsewhere, env={**env, "SUBSIDY_CACHE_DIR": "off"},
                             capture_output=True, text=True, timeout=120)
    assert shipped.returncode == 0, shipped.stderr


def test_example_lists_names_and_refuses_unknown_ones(tmp_path):
    from click.testing import CliRunner

    import cli
    listed = CliRunner().invoke(cli.main, ["example"])
    assert listed.exit_code == 0 and "pinggu-2025\t" in listed.output and "tongzhou-projects\t" in listed.output
    wrong = CliRunner().invoke(cli.main, ["example", "pinggu-2026"])
    assert wrong.exit_code == 2 and "E316" in wrong.output and "did you mean 'pinggu-2025'?" in wrong.output
    target = tmp_path / "p.yaml"
    target.write_text("filled in\n", encoding="utf-8")
    kept = CliRunner().invoke(cli.main, ["example", "pinggu-2025", "--out", str(target)])
    assert kept.exit_code == 2 and target.read_text(encoding="utf-8") == "filled in\n"  # never overwritten
