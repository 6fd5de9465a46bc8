"""`subsidy serve` over real loopback HTTP: every endpoint, the CLI's documents, and every bad
body answered by a JSON error naming its field — never a traceback."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import msgspec
import pytest

from solver import pipeline, serve
from solver.render import to_json

from .conftest import EXAMPLES
from .serving import Server

EXAMPLE = EXAMPLES / "pinggu-2025.yaml"


@pytest.fixture(scope="module")
def server():
    running = Server("--workers", "2")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def pinggu(server) -> dict:
    """examples/pinggu-2025.yaml as the page loads it: the file's text read by the server."""
    status, _, raw = server.request("POST", "/api/read-profile", EXAMPLE.read_bytes(), {"X-File-Name": "pinggu-2025.yaml"})
    assert status == 200
    return json.loads(raw)["profile"]


def problems(answer: dict) -> list[tuple[str, str | None]]:
    assert answer["ok"] is False and "Traceback" not in json.dumps(answer)
    return [(d["code"], d.get("field")) for d in answer["diagnostics"]]


def test_optimize_answers_the_clis_document_byte_for_byte(server, pinggu):
    status, headers, raw = server.request("POST", "/api/optimize", json.dumps({"profile": pinggu}).encode(),
                                          {"Content-Type": "application/json"})
    assert status == 200
    # the README's known total for this example (computed 255000 + discretionary 1500000), and the same
    # document `subsidy optimize examples/pinggu-2025.yaml --json` prints for the file itself
    document = json.loads(raw)
    assert (document["total"], document["computed_total"], document["discretionary_total"]) == (1755000, 255000, 1500000)
    assert raw.decode("utf-8") == to_json(pipeline.optimize(str(EXAMPLE)).to_json())
    msgspec.convert(document, serve.PlanDocument)  # the OpenAPI schema describes what is sent


def test_a_request_names_its_language(server, pinggu):
    """`lang: zh` (the page's): reasons in Chinese, as `optimize --lang zh` gives them; the server's
    own language (here English, the tests' locale) when the request names none."""
    from solver import i18n
    status, chinese = server.post("/api/optimize", {"profile": pinggu, "lang": "zh"})
    with i18n.use("zh"):
        expected = pipeline.optimize(str(EXAMPLE)).to_json()
    assert status == 200 and chinese["not_taken"] == expected["not_taken"]
    assert any("不成立" in n["reason"] for n in chinese["not_taken"])
    status, english = server.post("/api/optimize", {"profile": pinggu})
    assert status == 200 and not any("不成立" in n["reason"] for n in english["not_taken"])
    status, answer = server.post("/api/optimize", {"profile": pinggu, "lang": "fr"})
    assert status == 400 and problems(answer)[0][1] == "lang"


def test_optimize_with_options(server, pinggu):
    # --readings: no reading moves this example (README's table: 1755000 over the readings)
    status, document = server.post("/api/optimize", {"profile": pinggu, "with_range": True, "years": "2025"})
    assert status == 200 and document["range"]["conservative"]["total"] == document["range"]["generous"]["total"] == 1755000
    # --only pinggu.第三条: 0.5% of the output increment, 2.05亿 − 1.8亿 = 2500万 → 12.5万 (004 第三条)
    status, document = server.post("/api/optimize", {"profile": pinggu, "only": ["pinggu.第三条"]})
    assert status == 200 and document["total"] == 125000


def test_explain(server, pinggu):
    status, document = server.post("/api/explain", {"profile": pinggu, "clause": "pinggu.第三条"})
    assert status == 200 and document["total"] == 125000  # 0.5% × 2500万 (004 第三条)
    assert "0.5%" in document["text"][0]
    msgspec.convert(document, serve.ExplanationDocument)
    status, answer = server.post("/api/explain", {"profile": pinggu, "clause": "pinggu.第三十条"})
    assert status == 400 and problems(answer) == [("E303", "clause")]
    assert answer["diagnostics"][0]["help"] == "did you mean 'pinggu.第十条'?"


def test_audit_takes_the_plan_as_its_ledger_and_finds_an_excess(server, pinggu):
    _, plan = server.post("/api/optimize", {"profile": pinggu})
    status, verdict = server.post("/api/audit", {"profile": pinggu, "ledger": plan})
    assert status == 200 and verdict["verdict"] == "PASS"
    msgspec.convert(verdict, serve.VerdictDocument)
    # 第三条 pays at most 12.5万 here: 13万 exceeds it by 5,000 元
    line = {"policy": "pinggu", "article": "第三条", "item": "enterprise", "year": 2025, "amount": "13万"}
    status, verdict = server.post("/api/audit", {"profile": pinggu, "ledger": [line]})
    assert status == 200 and verdict["verdict"] == "FAIL" and verdict["violated"][0]["excess"] == 5000
    status, answer = server.post("/api/audit", {"profile": pinggu, "ledger": [line | {"item": "无此项目"}]})
    assert status == 400 and problems(answer) == [("E507", "ledger[0].item")]


def test_prove(server):
    # 004 第六条 pays one title at most 200万 (灯塔工厂, the largest of its three sums) ...
    status, proof = server.post("/api/prove", {"claim": "at_most", "amount": "200万", "policy": "pinggu",
                                               "article": "第六条", "per": "item"})
    assert status == 200 and proof["verdict"] == "PROVED"
    msgspec.convert(proof, serve.ProofDocument)
    # ... and more than 50万 to a 卓越级 title (100万)
    status, proof = server.post("/api/prove", {"claim": "at_most", "amount": "50万", "policy": "pinggu",
                                               "article": "第六条", "per": "item"})
    assert status == 200 and proof["verdict"] == "REFUTED" and proof["counterexample"]
    status, answer = server.post("/api/prove", {"claim": "at_most", "amount": "50万", "policy": "pingu"})
    assert status == 400 and problems(answer) == [("E600", "policy")] and "pinggu" in answer["diagnostics"][0]["help"]
    status, answer = server.post("/api/prove", {"claim": "at_most", "policy": "pinggu"})
    assert status == 400 and problems(answer) == [("E804", "amount")]


def test_template_gives_the_form_of_a_district(server):
    status, form = server.get("/api/template?district=平谷区&years=2025")
    assert status == 200 and form["years"] == [2025]
    facts = {f["name"]: f for f in form["facts"]}
    example = serve.profile_from_text(EXAMPLE.read_bytes(), "x")[1]["profile"]
    assert set(example["facts"]) <= set(facts)  # every fact the complete example states is asked for
    assert facts["industrial_output"]["per_year"] and facts["industrial_output"]["type"] == "money"
    assert "pinggu 第三条" in facts["industrial_output"]["articles"] and facts["industrial_output"]["label"]
    kinds = {k["name"]: k for k in form["kinds"]}
    assert "先进级" in next(f for f in kinds["smart_factory_title"]["fields"] if f["name"] == "level")["values"]
    assert kinds["smart_factory_title"]["event"] and {p["id"] for p in form["policies"]} == {"city2024", "pinggu"}
    status, answer = server.get("/api/template?district=平谷")
    assert status == 400 and problems(answer) == [("E314", "district")]
    assert answer["diagnostics"][0]["help"] == "did you mean '平谷区'?"
    assert problems(server.get("/api/template")[1]) == [("E811", "district")]
    assert problems(server.get("/api/template?district=平谷区&years=20x5")[1]) == [("E803", "years")]


def test_policies_give_each_articles_words(server):
    status, data = server.get("/api/policies")
    assert status == 200 and "平谷区" in data["districts"]
    policies = {p["id"]: p for p in data["policies"]}
    assert set(policies) == {"city2024", "tongzhou_mfg", "tongzhou", "fengtai", "pinggu"} and policies["fengtai"]["draft"]
    third = next(c for c in policies["pinggu"]["clauses"] if c["article"] == "第三条")
    assert "按全年产值增量的0.5%给予支持" in third["text"][0]
    assert any(r["reading"] == "pinggu.output_matter" for r in policies["pinggu"]["readings"])


def test_openapi_describes_every_endpoint_with_generated_schemas(server):
    status, spec = server.get("/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.1")
    assert {"/api/optimize", "/api/explain", "/api/audit", "/api/prove", "/api/template", "/api/policies"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            refs.update([node["$ref"]] if "$ref" in node else [])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec)
    assert refs and all(r.rsplit("/", 1)[1] in schemas for r in refs)  # every reference resolves
    assert schemas["Payment"]["properties"]["amount"]["type"] == "integer"  # the engine's own record type
    assert "profile" in schemas["OptimizeRequest"]["required"]


@pytest.mark.parametrize("body, expected", [
    (b"{not json", [("E800", None)]),
    (b"\xff\xfe", [("E800", None)]),
    (b'{"profile": {"a": ' + b"[" * 100_000, [("E800", None)]),
    (b"[]", [("E802", None)]),
    (b"{}", [("E802", "profile")]),
    (b'{"profile": {}, "include_drafts": "yes"}', [("E802", "include_drafts")]),
    (b'{"profile": [], "years": 2025}', [("E802", "profile")]),
    (b'{"profile": {}, "inclde_drafts": true}', [("E802", "inclde_drafts")]),
    (b'{"profile": {}, "timeout": -1}', [("E802", "timeout")]),
    (b'{"profile": {}, "timeout": 1e9}', [("E801", "timeout")]),
    (b'{"profile": {}, "years": "2025-2020"}', [("E803", "years")]),
])
def test_a_bad_body_is_a_json_error_on_its_field(server, body, expected):
    status, answer = server.post("/api/optimize", body)
    assert status == 400 and problems(answer) == expected, answer


def test_bad_profiles_are_located_by_field_path(server, pinggu):
    bad = json.loads(json.dumps(pinggu))
    bad["facts"]["industrial_output"]["2025"] = "abc"
    bad["facts"]["industrial_outpt"] = "1亿"
    bad["items"][3]["executed"]["2025"] = True
    bad["items"].append({"id": "x", "kind": "vehicle_ordr"})
    bad["enterprise_name"] = "?"
    status, answer = server.post("/api/optimize", {"profile": bad})
    assert status == 400
    assert sorted(problems(answer)) == sorted([
        ("E206", "profile.enterprise_name"), ("E213", "profile.facts.industrial_output.2025"),
        ("E210", "profile.facts.industrial_outpt"), ("E213", "profile.items[3].executed.2025"), ("E224", "profile.items[4].kind")])
    helps = {d["code"]: d.get("help", "") for d in answer["diagnostics"]}
    assert "did you mean 'industrial_output'?" in helps["E210"] and "vehicle_order" in helps["E224"]
    assert all("line" not in d and "file" not in d for d in answer["diagnostics"])


def test_a_profile_file_with_a_mistake_is_located_in_the_file(server):
    status, _, raw = server.request("POST", "/api/read-profile", b"facts:\n  a: 1\n b: 2\n", {"X-File-Name": "mine.yaml"})
    (problem,) = json.loads(raw)["diagnostics"]
    assert status == 400 and (problem["code"], problem["file"], problem["line"]) == ("E204", "mine.yaml", 3)


def test_a_huge_body_is_refused_before_it_is_read(server):
    # the server answers from the declared length alone: not one byte of the body is sent
    from http.client import HTTPConnection
    from urllib.parse import urlsplit
    at = urlsplit(server.url)
    connection = HTTPConnection(at.hostname, at.port, timeout=60)
    connection.putrequest("POST", "/api/optimize")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", "1200000")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and problems(json.loads(response.read())) == [("E810", None)]
    connection.close()


def test_unknown_paths_and_methods(server):
    status, answer = server.get("/api/optimise")
    assert status == 404 and problems(answer) == [("E812", None)]
    status, answer = server.get("/api/optimize")
    assert status == 405 and problems(answer) == [("E813", None)]


def test_the_page_and_its_files_are_served(server):
    status, headers, raw = server.request("GET", "/")
    page = raw.decode("utf-8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert '<option value="平谷区">' in page and "计算" in page and "http" not in page.split("<body>")[1]  # no CDN
    for name in ("app.js", "style.css"):
        assert server.request("GET", f"/static/{name}")[0] == 200
    assert server.request("GET", "/static/../serve.py")[0] == 404


def test_a_slow_proof_does_not_hold_up_the_page_or_a_plan(server, pinggu):
    # a whole-policy claim takes Z3 far longer than its 8 s: it holds one worker until then
    answers = {}

    def prove():
        answers["prove"] = server.post("/api/prove", {"claim": "at_most", "amount": "1亿", "policy": "pinggu",
                                                      "timeout": 8})
    slow = threading.Thread(target=prove)
    slow.start()
    try:
        assert server.request("GET", "/")[0] == 200
        status, plan = server.post("/api/optimize", {"profile": pinggu})
        assert status == 200 and plan["total"] == 1755000
        assert slow.is_alive()  # the plan came back while the proof was still running
    finally:
        slow.join()
    status, proof = answers["prove"]
    assert status == 200 and proof["verdict"] in ("UNKNOWN", "PROVED", "REFUTED")


def test_a_request_past_its_time_limit(server, pinggu):
    # both workers busy with proofs of 6 s: a plan limited to 0.5 s waits past its limit in the queue
    slow = [threading.Thread(target=server.post, args=("/api/prove", {"claim": "at_most", "amount": "1亿",
                                                                      "policy": "pinggu", "timeout": 6}))
            for _ in range(2)]
    for t in slow:
        t.start()
    try:
        import time
        time.sleep(1)  # not a measurement: lets both proofs reach the workers before the plan is sent
        status, answer = server.post("/api/optimize", {"profile": pinggu, "timeout": 0.5})
        assert status == 504 and problems(answer) == [("E805", "timeout")]
    finally:
        for t in slow:
            t.join()
    status, plan = server.post("/api/optimize", {"profile": pinggu, "timeout": 30})  # the workers serve again
    assert status == 200 and plan["status"] == "optimal"


def workers(pid: int) -> list[int]:
    """The server's worker processes (its children started by multiprocessing's spawn)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and b"spawn_main" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the workers through /proc (Linux)")
def test_a_worker_that_dies_is_a_json_error_and_the_pool_is_renewed(pinggu):
    running = Server("--workers", "1")
    try:
        answers = {}

        def prove():
            answers["prove"] = running.post("/api/prove", {"claim": "at_most", "amount": "1亿", "policy": "pinggu",
                                                           "timeout": 20})
        slow = threading.Thread(target=prove)
        slow.start()
        import time
        time.sleep(1.5)  # lets the proof reach the worker
        (worker,) = workers(running.process.pid)
        os.kill(worker, 9)
        slow.join()
        status, answer = answers["prove"]
        assert status == 500 and problems(answer) == [("E806", None)]
        status, plan = running.post("/api/optimize", {"profile": pinggu})
        assert status == 200 and plan["total"] == 1755000
        (renewed,) = workers(running.process.pid)
    finally:
        running.stop()
    assert not Path(f"/proc/{renewed}").exists()  # the server's end ends its workers too


def test_an_internal_error_tells_the_client_nothing_of_it(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("secret internals")
    monkeypatch.setattr(pipeline, "optimize", broken)
    status, raw = serve.work("optimize", {"profile": {}, "years": None, "include_drafts": False, "only": [],
                                          "readings": [], "with_range": False}, None, 1e12)
    assert status == 500 and b"secret" not in raw and b"KeyError" not in raw
    assert problems(json.loads(raw)) == [("E807", None)]
