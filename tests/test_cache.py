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
    assert list((rules.parent / "cache").glob("rules-*.msgpack"))
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
    for entry in (rules.parent / "cache").glob("rules-*.msgpack"):
        entry.write_bytes(b"not an entry")
    assert pipeline.load_rules([str(rules)]) == first


def test_an_unwritable_cache_changes_nothing(rules, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("SUBSIDY_CACHE_DIR", str(blocker / "cache"))  # a folder under a file: cannot exist
    assert pipeline.load_rules([str(rules)]).policies


def test_off_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("SUBSIDY_CACHE_DIR", "off")
    assert cache.cache_dir() is None


def test_the_folder_keeps_the_most_recently_used_entries(tmp_path, monkeypatch):
    # KEEP + 4 = 20 entries stored one second apart: entries 4..19 remain. Entry 5 is read, then
    # one more is stored: the least recently used, entry 4, goes; entry 5 stays.
    import os
    monkeypatch.setenv("SUBSIDY_CACHE_DIR", str(tmp_path))
    names = [f"{n:032x}" for n in range(cache.KEEP + 4)]
    for age, name in enumerate(names):
        cache.store(name, {"entry": name})
        stamp = 1_000_000 + age  # mtimes one second apart, in store order
        os.utime(tmp_path / f"rules-{name}.msgpack", (stamp, stamp))
    assert cache.load(names[0], dict) is None  # pruned by the later stores
    assert cache.load(names[5], dict) == {"entry": names[5]}  # read now: the most recently used
    cache.store("f" * 32, {"entry": "new"})
    kept = {p.name.removeprefix("rules-").removesuffix(".msgpack") for p in tmp_path.glob("rules-*.msgpack")}
    assert len(kept) == cache.KEEP
    assert {names[5], "f" * 32} <= kept and names[4] not in kept


def test_a_folder_others_can_write_is_never_read(rules, monkeypatch):
    # From a folder another user could write (0777 under umask 000), a planted entry (altered
    # rules) must be ignored and the rules parsed instead.
    pipeline.load_rules([str(rules)])
    folder = rules.parent / "cache"
    folder.chmod(0o777)
    from solver import cache as c
    (entry,) = folder.glob("rules-*.msgpack")
    assert c.load(entry.name.removeprefix("rules-").removesuffix(".msgpack")) is None
    folder.chmod(0o700)
    entry.chmod(0o666)  # the entry itself writable by others: ignored too
    assert c.load(entry.name.removeprefix("rules-").removesuffix(".msgpack")) is None


def test_a_linked_entry_is_never_read(rules, tmp_path):
    pipeline.load_rules([str(rules)])
    folder = rules.parent / "cache"
    (entry,) = folder.glob("rules-*.msgpack")
    elsewhere = tmp_path / "elsewhere.msgpack"
    entry.rename(elsewhere)
    entry.symlink_to(elsewhere)
    assert cache.load(entry.name.removeprefix("rules-").removesuffix(".msgpack")) is None


def test_the_folder_is_created_private_and_stale_temporary_files_go(rules):
    import os
    import time
    pipeline.load_rules([str(rules)])
    folder = rules.parent / "cache"
    assert folder.stat().st_mode & 0o777 == 0o700
    stale = folder / "tmpkilled.tmp"
    stale.write_bytes(b"partial")
    old = time.time() - cache.TMP_AGE - 10
    os.utime(stale, (old, old))
    fresh = folder / "tmpwriting.tmp"  # another command may be writing it now: kept
    fresh.write_bytes(b"partial")
    cache._prune(folder)
    assert not stale.exists() and fresh.exists()


class _Planted:
    """A pickle that runs code when unpickled: it writes a file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_an_entry_runs_no_code(rules, tmp_path):
    # Entries are msgpack data decoded into typed records: a pickle planted under an entry's name
    # (or under the old .pickle name) is refused, and its code never runs.
    import pickle
    pipeline.load_rules([str(rules)])
    folder = rules.parent / "cache"
    (entry,) = folder.glob("rules-*.msgpack")
    marker = tmp_path / "ran"
    entry.write_bytes(pickle.dumps(_Planted(str(marker))))
    (folder / entry.name.replace(".msgpack", ".pickle")).write_bytes(pickle.dumps(_Planted(str(marker))))
    assert pipeline.load_rules([str(rules)]).policies
    assert not marker.exists()
