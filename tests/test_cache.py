"""The checked-rules cache (solver/cache.py): a hit gives the same rule set without parsing, any
change to a rule file is a miss, and a cache that cannot be read or written changes nothing."""
from __future__ import annotations

import shutil

import pytest

from solver import cache, pipeline
from solver.diagnostics import DiagnosticError
from solver.resources import rules_dir


@pytest.fixture
def rules(tmp_path, monkeypatch):
    monkeypatch.setenv("SUBSIDY_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder)
    return folder


def _no_parsing(monkeypatch):
    import solver.parse

    def refuse(*args, **kwargs):
        raise AssertionError("parsed although the cache holds these rules")
    monkeypatch.setattr(solver.parse, "parse_text", refuse)


def test_a_second_load_comes_from_the_cache_and_is_equal(rules, monkeypatch):
    first = pipeline.load_rules([str(rules)])
    assert list((rules.parent / "cache").glob("rules-*.pickle"))
    _no_parsing(monkeypatch)
    assert pipeline.load_rules([str(rules)]) == first


def test_a_changed_rule_file_is_parsed_again(rules):
    pipeline.load_rules([str(rules)])
    target = rules / "004_pinggu.rules"
    target.write_text(target.read_text(encoding="utf-8").replace("cap 500万 per payment", "cap 500万 per paymnt", 1),
                      encoding="utf-8")
    with pytest.raises(DiagnosticError):
        pipeline.load_rules([str(rules)])


def test_a_corrupt_entry_is_ignored(rules):
    first = pipeline.load_rules([str(rules)])
    for entry in (rules.parent / "cache").glob("rules-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert pipeline.load_rules([str(rules)]) == first


def test_an_unwritable_cache_changes_nothing(rules, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("SUBSIDY_CACHE_DIR", str(blocker / "cache"))  # a folder under a file: cannot exist
    assert pipeline.load_rules([str(rules)]).policies


def test_off_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("SUBSIDY_CACHE_DIR", "off")
    assert cache.cache_dir() is None
