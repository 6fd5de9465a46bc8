"""`subsidy prove`: claims over every enterprise the rules admit; every REFUTED claim comes
with a counter-example profile that `subsidy optimize --only …` replays above the claim."""
from __future__ import annotations

import json

import pytest
import z3
from click.testing import CliRunner

import cli
from solver import pipeline
from solver.prove import Claim


def run(*args):
    result = CliRunner().invoke(cli.main, list(args))
    assert "Traceback" not in result.output
    return result


def test_004_art13_pays_one_project_at_most_300w_proved():
    # 第十三条: 5% of the fixed-asset investment, "最高不超过 300 万元", once per project.
    result = run("prove", "at-most", "300万", "--policy", "pinggu", "--article", "第十三条", "--per", "item")
    assert result.exit_code == 0 and result.output.startswith("PROVED")


def test_a_time_limit_counts_from_the_start_and_ends_in_unknown():
    # The same claim as above, PROVED without a limit (第十三条: at most 300万 a project). A limit
    # spent before Z3 is asked (here: none at all) answers UNKNOWN, exit 3; it used to be given
    # whole to Z3 after the rules were read and the model built, so a 1 s limit ended at 1.17 s.
    claim = Claim("at_most", "pinggu", "第十三条", "item", None, 3_000_000)
    assert pipeline.prove(claim).verdict == "PROVED"
    assert pipeline.prove(claim, timeout=0.0).verdict == "UNKNOWN"
    # Building the model of all of 平谷's clauses takes far longer than 10 ms (0.1–0.25 s), so
    # this limit is spent before Z3 is asked (unlimited, Z3 did not decide it in 100 s).
    result = run("prove", "at-most", "1亿", "--policy", "pinggu", "--timeout", "0.01")
    assert result.exit_code == 3 and result.output.startswith("UNKNOWN") and "neither proved nor refuted" in result.output


def test_004_art12_per_year_ceiling_is_not_a_lifetime_ceiling(tmp_path):
    # 第十二条 caps 200万 per enterprise per year; over 2025-2027 an enterprise can get more,
    # so "at most 200万 over all years" is false: REFUTED, and the counter-example replays.
    out = tmp_path / "ce.yaml"
    result = run("prove", "at-most", "200万", "--policy", "pinggu", "--article", "第十二条", "--counterexample", str(out))
    assert result.exit_code == 1 and result.output.startswith("REFUTED")
    replay = run("optimize", str(out), "--only", "pinggu.第十二条", "--json")
    assert replay.exit_code == 0 and json.loads(replay.output)["total"] > 2_000_000


def test_004_art12_in_one_year_at_most_200w_proved():
    result = run("prove", "at-most", "200万", "--policy", "pinggu", "--article", "第十二条", "--year", "2026")
    assert result.exit_code == 0, result.output


def test_no_item_paid_twice_in_pinggu_group_proved():
    result = run("prove", "no-double", "平谷区")
    assert result.exit_code == 0, result.output


CLAIMS = [
    # (claim, a total the rules allow above it — worked from the article)
    # 第六条: a 灯塔工厂 title pays up to 200万, so 199万 per item is false.
    (Claim("at_most", "pinggu", "第六条", "item", None, 1_990_000)),
    # 第十条: 创新药 300万 per approval; an enterprise with two approvals exceeds 500万.
    (Claim("at_most", "pinggu", "第十条", "enterprise", None, 5_000_000)),
    # 002: a city award's amount is the batch notice's: no ceiling in the guide at all.
    (Claim("at_most", "city2024", None, "enterprise", None, 100_000_000)),
    # 000 第十一条 "按照市级支持资金最高给予1:1配套支持，…累计最高支持5000万元": a 并购重组 award of
    # over 1000万 is matched 1:1; the replay needs the award's direction and programme.
    (Claim("at_most", "tongzhou_mfg", "第十一条", "enterprise", None, 10_000_000)),
    # 004 第八条: 30万 per 融合试点 title; three titles (the re-check with 3 items) exceed 60万.
    (Claim("at_most", "pinggu", "第八条", "enterprise", None, 600_000)),
]


@pytest.mark.parametrize("claim", CLAIMS, ids=[c.describe() for c in CLAIMS])
def test_every_refuted_claim_replays_above_itself(claim, tmp_path):
    proof = pipeline.prove(claim)
    assert proof.verdict == "REFUTED"
    from ruamel.yaml import YAML
    path = tmp_path / "ce.yaml"
    YAML().dump(proof.counterexample, path.open("w", encoding="utf-8"))
    only = [claim.policy + (f".{claim.article}" if claim.article else "")]
    replay = pipeline.optimize(str(path), only=only)
    mine = sum(p.amount for p in replay.payments if p.policy == claim.policy
               and (claim.article is None or p.article == claim.article))
    assert mine > claim.amount


def test_prove_names_are_checked():
    result = run("prove", "at-most", "1万", "--policy", "pingu")
    assert result.exit_code == 2 and "did you mean 'pinggu'?" in result.output
    result = run("prove", "no-double", "平谷")
    assert result.exit_code == 2 and "平谷区" in result.output


DEEP_RULES = '''
vocabulary {
    fact output: money per year
    kind title "称号" {
        field year: year
    }
}
policy demo {
    title "示例"
    level district
    region 顺义区
    in_force 2025-01-01 to 2026-12-31
    status in_force
}
clause never "第一条" {
    text "产值既超过1亿又低于5000万的企业给予10万"
    for enterprise each year
    require output > 1亿 and output < 5000万
    pay 10万
}
clause loose "第二条" {
    text "给予不超过30万元奖励，最高50万元"
    for item title once
    pay up to 30万
    cap 50万 per payment
}
clause share "第三条" {
    text "按产值的1%给予支持"
    for enterprise each year
    pay 1% of output
}
clause again "第四条" {
    text "对获评称号的给予20万"
    for item title once
    pay up to 20万
}
'''


def test_check_deep_finds_what_it_should(tmp_path):
    # 第一条 needs output > 1亿 and < 5000万 at once: never pays. 第二条's 50万 ceiling bounds
    # a payment of at most 30万: never binds. 第三条 is 1% of output with no ceiling: unbounded.
    # 第二条 and 第四条 both pay a title and the policy declares no 从优不重复: overlap.
    path = tmp_path / "demo.rules"
    path.write_text(DEEP_RULES, encoding="utf-8")
    result = run("check", "--only-rules", str(path), "--deep", "--json")
    assert result.exit_code == 0, result.output
    found = {(f["kind"], f["clause"]) for f in json.loads(result.output)["findings"]}
    assert found == {("never_pays", "demo.never"), ("ceiling_never_binds", "demo.loose"),
                     ("unbounded", "demo.share"), ("overlap", "demo.loose / demo.again")}


def test_check_deep_asks_a_new_solver_after_one_runs_out_of_time(tmp_path, monkeypatch):
    # The same rules, the first question (does 第一条's part ever pay?) not decided in time
    # (here: answered unknown). Z3's answers after an interrupted check are not sanctioned
    # (Z3Prover/z3#5062), so the next question goes to a new solver; undecided, 第一条 is not
    # reported as never paying, and every other finding stands.
    from solver import deep
    from solver.pipeline import load_rules
    path = tmp_path / "demo.rules"
    path.write_text(DEEP_RULES, encoding="utf-8")
    rules = load_rules([str(path)], bundled=False)
    real, asked = deep.limits.check, []

    def checked(solver, *assumptions):
        asked.append(solver)
        return z3.unknown if len(asked) == 1 else real(solver, *assumptions)
    monkeypatch.setattr(deep.limits, "check", checked)
    found = {(f.kind, f.clause) for f in deep.deep_check(rules)}
    assert asked[1] is not asked[0]  # the clause's next question: a new solver
    assert found == {("ceiling_never_binds", "demo.loose"), ("unbounded", "demo.share"),
                     ("overlap", "demo.loose / demo.again")}


def test_000_art4_pays_one_project_at_most_1000w_proved():
    # 000 第四条 "单个项目连续支持不超过3年，累计最高支持1000万元": for every project and enterprise.
    result = run("prove", "at-most", "1000万", "--policy", "tongzhou_mfg", "--article", "第四条", "--per", "item")
    assert result.exit_code == 0 and result.output.startswith("PROVED"), result.output


def test_000_art4_at_most_999w_is_refuted_and_replays(tmp_path):
    out = tmp_path / "ce.yaml"
    result = run("prove", "at-most", "999万", "--policy", "tongzhou_mfg", "--article", "第四条", "--per", "item",
                 "--counterexample", str(out))
    assert result.exit_code == 1, result.output
    replay = run("optimize", str(out), "--only", "tongzhou_mfg.第四条", "--json")
    assert replay.exit_code == 0 and json.loads(replay.output)["total"] > 9_990_000


def test_a_claim_over_many_articles_is_proved_article_by_article(monkeypatch):
    # 平谷's whole total is hard for Z3 asked whole (at most 1亿 with 2 items of each kind:
    # undecided after 100 s). Asked whole for no time at all here, the claim is proved from
    # each article's own most: the rules of one article alone allow at least what they allow
    # among all the others, so the sum bounds the whole.
    from solver import prove as proving

    from .conftest import EXAMPLES, paid
    monkeypatch.setattr(proving, "JOINT_FIRST", 1e-6)
    check = proving._check

    def undecided_whole(solver, deadline, at_most):
        # the whole try leaves the claim undecided, as it does on 平谷 at most 1亿 with 2 items; a
        # 1 µs limit alone could still let a fast check finish under load (the test then saw no articles)
        return z3.unknown if at_most == proving.JOINT_FIRST else check(solver, deadline, at_most)
    monkeypatch.setattr(proving, "_check", undecided_whole)
    proof = pipeline.prove(Claim("at_most", "pinggu", amount=10 ** 8), items=1)
    assert proof.verdict == "PROVED"
    bounds = dict(proof.by_article)
    assert len(bounds) == 11 and sum(bounds.values()) <= 10 ** 8
    # 第四条: 30万, or 50万 for a plant newly started that year, once: at most 50万.
    # 第十三条: 5% of a project's investment, "最高不超过300万元", one project (one item): 300万.
    assert bounds["第四条"] == 500_000 and bounds["第十三条"] == 3_000_000
    # No enterprise is paid more by an article than its bound: the example (one item of each
    # kind, as here) is paid 12.5万 + 30万 + 50万 + 70万 + 13万 (test_engine) within them.
    example = pipeline.optimize(str(EXAMPLES / "pinggu-2025.yaml"))
    for article, most in bounds.items():
        assert paid(example, article) <= most, article
    result = run("prove", "at-most", "1亿", "--policy", "pinggu", "--items", "1")
    assert result.exit_code == 0 and "第十三条: at most 3,000,000 元" in result.output, result.output


def test_004_whole_policy_at_most_1yi_is_proved_with_three_items_of_each_kind():
    # 平谷 at most 1亿: asked whole, Z3 decides it neither with 2 items of each kind nor with 3
    # (10 s each); article by article it is PROVED, and asked again with 3 items the same way.
    # Each article's most with 3 items of each kind over 2025-2027 (the default readings; a
    # yearly enterprise figure is paid for 2025 and 2026 only: claimed_in_force):
    #   第三条 “奖励资金最高不超过500万元” a year × 2 years = 1000万;
    #   第四条 “首次突破1亿”, once, the new-plant branch “不超过50万元” = 50万;
    #   第五条 “年度支持资金总额不超过100万元” × 2 years = 200万 (首次 500万's 30万 falls in a
    #     year whose previous R&D is below 500万, when the growth part cannot pay: 130万 at most);
    #   第六条 3 titles × 灯塔工厂 200万 = 600万;
    #   第七条 3 emission upgrades × A级 50万 + 3 green factories × 国家级 50万 = 300万;
    #   第八条 3 pilots × 30万 = 90万;
    #   第九条 3 orders × 2 consecutive years × 200万 (per order and year) + 3 standards × 30万 = 1290万;
    #   第十条 3 innovative drugs × 300万 + 3 class-3 devices × 300万 + 3 class-1 veterinary drugs
    #     × 150万 = 2250万 (with 2: 1500万);
    #   第十一条 “最高不超过1000万元”, once = 1000万;
    #   第十二条 “给予企业最高不超过200万元” a year, 2025-2027: 600万 whatever the number of orders;
    #   第十三条 3 projects × 300万 = 900万.
    # Together 8280万 with 3 items (6470万 with 2): within 1亿.
    proof = pipeline.prove(Claim("at_most", "pinggu", amount=10 ** 8))
    assert proof.verdict == "PROVED"
    assert proof.bounds["rechecked_with"] == 3 and proof.bounds["first_with"] == 2
    bounds = dict(proof.by_article)
    assert bounds == {"第三条": 10_000_000, "第四条": 500_000, "第五条": 2_000_000, "第六条": 6_000_000,
                      "第七条": 3_000_000, "第八条": 900_000, "第九条": 12_900_000, "第十条": 22_500_000,
                      "第十一条": 10_000_000, "第十二条": 6_000_000, "第十三条": 9_000_000}
    assert sum(bounds.values()) == 82_800_000
    first, again = proof.timings, proof.timings["recheck"]
    assert {a["article"] for a in first["articles"]} == set(bounds)  # the first proof went article by article
    assert again["whole_try"] is None and [a["article"] for a in again["articles"]] == list(bounds)


GROUP_RULES = '''
vocabulary {
    kind title "称号" {
        field year: year
    }
}
policy demo {
    title "示例"
    level district
    region 顺义区
    in_force 2025-01-01 to 2026-12-31
    status in_force
    no_duplication 顺义区
}
clause city_title "第一条" {
    text "获评市级称号的给予不超过30万元奖励"
    for item title once
    pay up to 30万
}
clause district_title "第一条" {
    text "获评区级称号的给予不超过20万元奖励"
    for item title once
    pay up to 20万
}
clause any_title "第二条" {
    text "获评称号的给予不超过50万元奖励"
    for item title once
    pay up to 50万
}
'''


def test_an_article_alone_keeps_non_duplication_among_its_own_clauses(tmp_path, monkeypatch):
    # 第一条 has two clauses of the group 顺义区, 第二条 a third, all on one title. Asked article by
    # article, 第一条 alone still pays a title by one of its own two clauses: at most 30万 (not
    # 30万 + 20万); 第二条 50万. Their sum, 80万, bounds the whole (which is 50万: one clause a title).
    from solver import prove as proving
    path = tmp_path / "demo.rules"
    path.write_text(GROUP_RULES, encoding="utf-8")
    check = proving._check
    monkeypatch.setattr(proving, "_check", lambda solver, deadline, at_most:
                        z3.unknown if at_most == proving.JOINT_FIRST else check(solver, deadline, at_most))
    proof = pipeline.prove(Claim("at_most", "demo", amount=800_000), [str(path)], items=1, bundled=False)
    assert proof.verdict == "PROVED" and dict(proof.by_article) == {"第一条": 300_000, "第二条": 500_000}
    proof = pipeline.prove(Claim("at_most", "demo", amount=799_999), [str(path)], items=1, bundled=False)
    assert proof.verdict == "PROVED" and proof.by_article == ()  # the parts cannot: asked whole, 50万


def test_a_claim_article_by_article_cannot_prove_is_asked_whole_again(monkeypatch):
    # At most 1000万 for 平谷 as a whole: the articles' own most add up to 5060万 (above), so the
    # parts prove nothing and the claim is asked whole again, without the first short limit:
    # decided (a counter-example pays more), not UNKNOWN.
    from solver import prove as proving
    monkeypatch.setattr(proving, "JOINT_FIRST", 1e-6)
    proof = pipeline.prove(Claim("at_most", "pinggu", amount=10 ** 7), items=1)
    assert proof.verdict == "REFUTED" and proof.by_article == ()
    assert sum(w["amount"] for w in proof.witness) > 10 ** 7


def test_a_solver_its_time_limit_interrupted_is_not_asked_again(monkeypatch):
    # The same claim, its first whole try interrupted by its time limit (here: answered unknown
    # without running). Z3's answers after an interruption are not sanctioned (Z3Prover/z3#5062):
    # one such solver, asked again, answered sat with an event in year 0. The claim is asked
    # whole again on a new solver, and its counter-example's events keep to their ranges.
    from solver import prove as proving
    check, asked = proving._check, []

    def recorded(solver, deadline, at_most):
        asked.append(solver)
        return z3.unknown if at_most == proving.JOINT_FIRST else check(solver, deadline, at_most)
    monkeypatch.setattr(proving, "_check", recorded)
    proof = pipeline.prove(Claim("at_most", "pinggu", amount=10 ** 7), items=1)
    assert proof.verdict == "REFUTED" and sum(w["amount"] for w in proof.witness) > 10 ** 7
    assert asked[-1] is not asked[0]  # the whole check's solver is not the interrupted try's
    events = [item["year"] for item in proof.counterexample["items"] if "year" in item]
    assert events and all(2000 < year <= max(proof.years) for year in events)  # its ranges: no year 0


def test_a_model_that_breaks_the_rules_is_no_counter_example(monkeypatch):
    # Were Z3 ever to answer sat with a model that breaks the constraints it was given, the
    # verdict is UNKNOWN, never REFUTED with that model as the enterprise. Here the solver is
    # given the negated claim alone, so its model ignores every rule (and every fact's range).
    from solver import prove as proving

    def claim_alone(model, negation):
        solver = z3.Solver()
        solver.add(negation)
        return solver
    monkeypatch.setattr(proving, "_whole", claim_alone)
    proof = pipeline.prove(Claim("at_most", "pinggu", amount=10 ** 7, article="第十三条"), items=1)
    assert proof.verdict == "UNKNOWN" and proof.counterexample is None


@pytest.mark.parametrize("args, code, text", [
    (["at-most", "５万", "--policy", "pinggu"], "", "Invalid value for AMOUNT"),  # full-width digits: usage error
    (["at-most", "1", "--policy", "tongzhou", "--article", "十七"], "E607", "did you mean '（十七）'?"),
    (["at-most", "1", "--policy", "pinggu", "--article", "十三"], "E607", "did you mean '第十三条'?"),
    (["at-most", "1", "--policy", "pinggu", "--article", "第九十九条"], "E607", "has no article or clause"),
    (["at-most", "1", "--policy", "pinggu", "--year", "2019"], "E608", "would hold vacuously"),  # 004 from 2025
    (["at-most", "1", "--policy", "pinggu", "--year", "-5"], "E608", "not a plausible year"),
    (["at-most", "1", "--policy", "pinggu", "--year", "99999999999999999999"], "E608", "not a plausible year"),
])
def test_a_claim_about_nothing_is_refused_not_proved(args, code, text):
    result = CliRunner().invoke(cli.main, ["prove", *args])
    assert result.exit_code == 2, result.output
    assert (not code or f"error[{code}]" in result.output) and text in result.output, result.output


@pytest.mark.parametrize("bounds, code", [("money_max: -1\n", "E603"), ("money_max: 0\n", "E603"),
                                          # 第十六条 "信用记录良好" pinned false: 004 pays no one
                                          ("facts:\n  good_credit: false\n", "E606")])
def test_bounds_that_admit_no_paid_enterprise_are_refused(tmp_path, bounds, code):
    path = tmp_path / "bounds.yaml"
    path.write_text(bounds, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["prove", "at-most", "0", "--policy", "pinggu", "--article", "第三条",
                                           "--bounds", str(path)])
    assert result.exit_code == 2 and f"error[{code}]" in result.output, result.output


def test_proved_states_the_enterprises_it_is_about():
    result = CliRunner().invoke(cli.main, ["prove", "at-most", "300万", "--policy", "pinggu", "--article", "第十三条",
                                           "--per", "item", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["verdict"] == "PROVED" and data["bounds"]["items_per_kind"] == 1
    assert data["bounds"]["money_max"] == 1_000_000_000_000


def test_a_claim_true_for_two_items_but_not_three_is_refuted():
    # 004 第八条 "给予不超过 30 万元资金奖励" per 融合试点 title: two titles are at most 60万, three are
    # 90万. With 2 items of each kind the claim "at most 60万" holds; asked again with 3 it does
    # not: REFUTED, and the verdict's bounds say 3 items after 2.
    result = run("prove", "at-most", "60万", "--policy", "pinggu", "--article", "第八条", "--json")
    data = json.loads(result.output)
    assert result.exit_code == 1 and data["verdict"] == "REFUTED"
    assert data["bounds"]["items_per_kind"] == 3 and data["bounds"]["first_with"] == 2
    assert sum(w["amount"] for w in data["witness"]) > 600_000  # any plan above the claim refutes it
    # with --items 2 exactly, as asked: PROVED, for at most 2 items of each kind
    result = run("prove", "at-most", "60万", "--policy", "pinggu", "--article", "第八条", "--items", "2")
    assert result.exit_code == 0 and "at most 2 item(s) of each kind" in result.output
