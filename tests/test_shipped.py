"""The bundled rules as checked when the package was made (solver/shipped.py): current with the
rule files, equal to parsing and checking them wherever the package lies, and never used when
stale or damaged — the rules are parsed then, and the answer is the rule files' own."""
from __future__ import annotations

import shutil

import msgspec
import pytest

from solver import parse, pipeline, shipped
from solver.check import check
from solver.parse import parse_files
from solver.resources import rules_dir

from .conftest import EXAMPLES


def _bundled_files(folder=None):
    return [(f, f.read_bytes()) for f in sorted((folder or rules_dir()).glob("*.rules"))]


def test_the_shipped_rules_are_current():
    assert [f.name for f, _ in _bundled_files()] == [f.name for f in pipeline.rule_files(None)]
    assert shipped.matching(_bundled_files()) is not None, \
        "solver/bundled-rules.msgpack is stale (a rule file, a text, the grammar or the parser/checker changed): " \
        "run `python -m solver.shipped` and commit the file"


def test_the_shipped_rules_are_the_rule_files_parsed_and_checked():
    assert shipped.ruleset(shipped.read()) == check(parse_files(_bundled_files()))


def test_its_digest_covers_every_module_parsing_and_checking_import():
    assert shipped.read().modules == shipped.engine_modules()
    assert {"parse", "check", "model", "ast", "values", "texts"} <= set(shipped.read().modules)


@pytest.fixture
def moved(tmp_path, monkeypatch):
    """The bundled rules in another folder, as a wheel installed elsewhere has them, and a rules
    cache of their own; parsing counted."""
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    monkeypatch.setattr(pipeline, "rules_dir", lambda: folder)
    monkeypatch.setattr(shipped, "rules_dir", lambda: folder)
    monkeypatch.setenv("SUBSIDY_CACHE_DIR", str(tmp_path / "cache"))
    parsed = []
    real = parse.parse_files
    monkeypatch.setattr(parse, "parse_files", lambda files: parsed.append(files) or real(files))
    return folder, parsed


def test_moved_rules_come_unparsed_with_their_own_paths(moved):
    folder, parsed = moved
    expected = check(parse_files(_bundled_files(folder)))
    assert pipeline.load_rules() == expected
    assert not parsed
    assert all(s.startswith(str(folder)) for s in pipeline.load_rules().files)


def test_a_changed_rule_file_is_parsed_and_its_figure_paid(moved):
    # 004 第三条 pays 0.5% of the year's output increment: examples/pinggu-2025.yaml's increment
    # is 2500万 (12.5万 paid, total 1,755,000). At 0.4% it pays 10万: the total is 25,000 less.
    folder, parsed = moved
    assert pipeline.optimize(str(EXAMPLES / "pinggu-2025.yaml")).total == 1_755_000
    target = folder / "004_pinggu.rules"
    text = target.read_text(encoding="utf-8")
    assert text.count("pay 0.5% of increase(industrial_output)") == 1
    target.write_text(text.replace("pay 0.5% of increase(industrial_output)", "pay 0.4% of increase(industrial_output)"),
                      encoding="utf-8")
    assert pipeline.optimize(str(EXAMPLES / "pinggu-2025.yaml")).total == 1_730_000
    assert parsed


def test_a_changed_policy_text_is_parsed(moved):
    folder, parsed = moved
    text = folder / "texts" / "004_pinggu.txt"
    text.write_bytes(text.read_bytes() + "\n附件\n".encode())
    assert pipeline.load_rules() == check(parse_files(_bundled_files(folder)))
    assert parsed


def _damaged(artefact_bytes: bytes) -> list[bytes]:
    """The artefact cut short, with one byte changed in its payload or its head, emptied, and
    with a checksum made for a payload whose cuts point past its paths."""
    head, _, body = artefact_bytes.partition(b"\n")
    middle = len(body) // 2
    flipped = body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1:]
    bad = msgspec.msgpack.encode(msgspec.structs.replace(
        msgspec.msgpack.decode(body, type=shipped.Artefact), cuts=bytes([255]) * len(shipped.read().cuts)))
    import hashlib
    resealed = shipped.FORMAT + b" " + hashlib.sha256(bad).hexdigest().encode() + b"\n" + bad
    return [artefact_bytes[:len(artefact_bytes) // 2], head + b"\n" + flipped, b"0" + artefact_bytes[1:], b"",
            resealed]


def test_a_damaged_artefact_is_never_decoded_and_the_rules_are_parsed(moved, tmp_path, monkeypatch):
    folder, parsed = moved
    expected = check(parse_files(_bundled_files(folder)))
    for n, damaged in enumerate(_damaged(shipped.ARTEFACT.read_bytes())):
        path = tmp_path / f"damaged-{n}.msgpack"
        path.write_bytes(damaged)
        monkeypatch.setattr(shipped, "ARTEFACT", path)
        monkeypatch.setenv("SUBSIDY_CACHE_DIR", str(tmp_path / f"cache-{n}"))
        parsed.clear()
        assert pipeline.load_rules() == expected, n
        assert parsed, n


def test_a_missing_artefact_means_parsing(moved, tmp_path, monkeypatch):
    folder, parsed = moved
    monkeypatch.setattr(shipped, "ARTEFACT", tmp_path / "absent.msgpack")
    assert pipeline.load_rules() == check(parse_files(_bundled_files(folder)))
    assert parsed


def test_rules_named_on_the_command_line_never_use_it(moved):
    # the bundled folder named with --rules or --only-rules is parsed (and cached) as any other
    folder, parsed = moved
    pipeline.load_rules([str(folder)])
    pipeline.load_rules([str(folder)], bundled=False)
    assert len(parsed) == 1  # the second came from the rules cache, the same files' bytes
