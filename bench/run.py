"""Benchmark: the engine against HiGHS and CP-SAT on its own compiled models.

    pip install ".[bench]" && python bench/run.py [--quick]

Prints, and writes to bench/results.md:
  a. cold `subsidy optimize` on each example vs `python -c "import z3, lark, click"` (median of 5)
  b. generated 平谷 + city enterprises of 1, 10, 50, 200 items over 1, 3, 5 years: the engine's
     time to a certified optimum (ground + Z3 optimize + Z3 certificate) next to HiGHS
     (scipy.optimize.milp, zero gap) and CP-SAT (one worker) on the same linear model, with
     the same optimum asserted; ratios against the faster peer
  c. the stages of the largest case
Times are measured in this run only: ratios, not seconds, are the result.
"""
from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from solver.explain import build_result  # noqa: E402
from solver.ground import ground  # noqa: E402
from solver.linear import linear_model  # noqa: E402
from solver.optimize import optimize  # noqa: E402
from solver.pipeline import load_rules  # noqa: E402
from solver.profile import Item, Profile  # noqa: E402
from solver.render import to_json  # noqa: E402

FACTS = {"district": "平谷区", "registered_in_beijing": True, "operates_in_district": True, "manufacturer": True,
         "fits_capital_positioning": True, "serious_dishonesty_3y": False, "stable_operation_in_beijing": True,
         "abnormal_affiliate_output": False, "good_credit": True, "major_penalty_3y": False,
         "criminal_record_3y": False, "false_materials_within_3y": False, "auto_parts_supplier": True,
         "central_kitchen_chain": True}


def enterprise(n_items: int, years: tuple[int, ...], seed: int) -> Profile:
    """A generated 平谷 enterprise: orders over the years, titles, approvals, city awards."""
    rng = random.Random(seed)
    span = (years[0] - 2,) + years
    facts = dict(FACTS, industrial_output={y: rng.randrange(10 ** 7, 10 ** 9) for y in span},
                 rd_expense={y: rng.randrange(10 ** 6, 5 * 10 ** 7) for y in span})
    items = []
    for n in range(n_items):
        kind = rng.choice(["vehicle_order", "kitchen_order", "smart_factory_title", "drug_approval", "city_award"])
        y = rng.choice(years)
        if kind in ("vehicle_order", "kitchen_order"):
            fields = {"new": True, "executed": {yy: rng.randrange(10 ** 6, 10 ** 9) for yy in years if rng.random() < 0.8}
                      or {y: 3 * 10 ** 7}}
            if kind == "kitchen_order":
                fields["to_pinggu_unaffiliated"] = True
        elif kind == "smart_factory_title":
            fields = {"level": rng.choice(["先进级", "卓越级", "灯塔工厂"]), "year": y}
        elif kind == "drug_approval":
            fields = {"category": rng.choice(["创新药", "改良型新药", "仿制药"]), "first_time": True,
                      "industrialised": True, "year": y}
        else:
            fields = {"direction": rng.choice(["首台套", "并购重组", "产业筑基"]), "amount": rng.randrange(10 ** 6, 10 ** 8),
                      "year": 2024, "status": "candidate", "investment_project": False, "other_city_funds": False,
                      "major_project": False}
        items.append(Item(f"i{n}", kind, fields, None))
    return Profile("generated", "generated", facts, tuple(items), years, {})


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def solve_highs(m) -> int:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    n = len(m.names)
    c = np.zeros(n)
    for v, coef in m.objective.items():
        c[v] = -coef
    a = np.zeros((len(m.rows), n))
    lo, hi = np.zeros(len(m.rows)), np.zeros(len(m.rows))
    for r, (row, l, h) in enumerate(m.rows):
        for v, coef in row.items():
            a[r, v] = coef
        lo[r], hi[r] = l, h
    res = milp(c, integrality=np.ones(n), bounds=Bounds(m.lower, m.upper),
               constraints=[LinearConstraint(a, lo, hi)] if m.rows else [],
               options={"mip_rel_gap": 0, "presolve": True})
    return round(-res.fun) if res.success else -1


def solve_cpsat(m) -> int:
    from ortools.sat.python import cp_model
    model = cp_model.CpModel()
    xs = [model.NewIntVar(lo, hi, name) for name, lo, hi in zip(m.names, m.lower, m.upper)]
    for row, lo, hi in m.rows:
        expr = sum(coef * xs[v] for v, coef in row.items())
        if lo != float("-inf"):
            model.Add(expr >= int(lo))
        if hi != float("inf"):
            model.Add(expr <= int(hi))
    model.Maximize(sum(coef * xs[v] for v, coef in m.objective.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.linearization_level = 2
    status = solver.Solve(model)
    return round(solver.ObjectiveValue()) if status == cp_model.OPTIMAL else -1


def cold_runs(repeats: int) -> list[tuple[str, float, float]]:
    def median(cmd):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    base = median([sys.executable, "-c", "import z3, lark, click"])
    rows = []
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        t = median([sys.executable, "cli.py", "optimize", str(example.relative_to(ROOT)), "--json", "--include-drafts"])
        rows.append((example.name, t, t / base))
    return [("import z3, lark, click (baseline)", base, 1.0)] + rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="sizes up to 50 items and 3 repeats")
    args = ap.parse_args()
    rules = load_rules()
    sizes = [1, 10, 50] if args.quick else [1, 10, 50, 200]
    spans = {1: (2025,), 3: (2025, 2026, 2027), 5: (2024, 2025, 2026, 2027, 2028)}
    out = ["# Benchmark results\n", f"- date: {dt.date.today()}", f"- machine: {platform.machine()}, "
           f"{platform.system()} {platform.release()}, Python {platform.python_version()}", ""]
    out += ["## a. cold `subsidy optimize` vs importing its libraries (median of 5)", "",
            "| run | seconds | ratio |", "|---|---|---|"]
    for name, t, ratio in cold_runs(3 if args.quick else 5):
        out.append(f"| {name} | {t:.3f} | {ratio:.2f}× |")
    out += ["", "## b. certified optimum: engine vs HiGHS (zero gap) and CP-SAT (one worker)", "",
            "| items × years | candidates | engine s | HiGHS s | CP-SAT s | engine / faster peer | optimum |",
            "|---|---|---|---|---|---|---|"]
    largest = None
    for n in sizes:
        for years, span in spans.items():
            profile = enterprise(n, span, seed=n * 10 + years)
            g, t_ground = timed(ground, rules, profile, span, False)
            plan, t_solve = timed(optimize, g)
            m = linear_model(g)
            highs, t_highs = timed(solve_highs, m)
            cpsat, t_cpsat = timed(solve_cpsat, m)
            assert plan.status == "optimal" and highs == plan.total == cpsat, (n, years, plan.total, highs, cpsat)
            engine = t_ground + t_solve
            out.append(f"| {n} × {years} | {len(g.candidates)} | {engine:.3f} | {t_highs:.3f} | {t_cpsat:.3f} | "
                       f"{engine / min(t_highs, t_cpsat):.2f}× | {plan.total} |")
            largest = (n, years, profile, span)
    n, years, profile, span = largest
    g, t_ground = timed(ground, rules, profile, span, False)
    plan, t_solve = timed(optimize, g)
    result, t_explain = timed(build_result, g, plan)
    _, t_render = timed(lambda r: to_json(r.to_json()), result)
    _, t_load = timed(load_rules)
    out += ["", f"## c. stages of the largest case ({n} items × {years} years)", "",
            "| stage | seconds |", "|---|---|",
            f"| parse + check (load_rules) | {t_load:.3f} |", f"| ground | {t_ground:.3f} |",
            f"| solve + certify | {t_solve:.3f} |", f"| explain | {t_explain:.3f} |", f"| render JSON | {t_render:.3f} |"]
    text = "\n".join(out) + "\n"
    print(text)
    (ROOT / "bench" / "results.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
