"""A cache of checked rule sets, so that a command does not re-parse and re-check unchanged rules.

Parsing every bundled rule file with lark and checking it costs more than the rest of a small
`subsidy optimize` together. The checked `Ruleset` is stored as msgpack data (msgspec: typed
records, no code) under a key that hashes
everything it is made from: the engine's own source and grammar, the Python version, and the
path and bytes of every rule file. Any change to any of them is a different key, so a stale
entry is never read. The cache is an optimisation only: an entry that cannot be read or written
is ignored, and the command parses and checks as if there were no cache.

Where: $SUBSIDY_CACHE_DIR, else $XDG_CACHE_HOME/subsidy-solver, else ~/.cache/subsidy-solver.
SUBSIDY_CACHE_DIR=off turns it off. Every edit of a rule file and every new engine version makes
a new entry (~110 kB); the folder keeps the KEEP most recently used and deletes the rest.

Entries are data: reading one decodes typed records and can run no code (a pickle could). An
altered entry could still make the engine answer for rules other than the files', so an entry
is read only from a folder that no one else can write (as ssh treats ~/.ssh): the folder and
the entry must belong to the user, be writable by no group or other user, and be a real folder
and a regular file (no link). The folder is created 0700; a folder that fails the test is
neither read nor written. Temporary files a killed command left behind are deleted after
TMP_AGE seconds.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
import time
from pathlib import Path

from .resources import grammar_path

_SOURCE = Path(__file__).resolve().parent
KEEP = 16
TMP_AGE = 600
SUFFIX = ".msgpack"


def trusted(path: Path, folder: bool) -> bool:
    """`path` is a real folder (or regular file), the user's own, writable by no one else."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    kind_ok = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    owner_ok = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return kind_ok and owner_ok and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_dir() -> Path | None:
    chosen = os.environ.get("SUBSIDY_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no") else Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "subsidy-solver"


def key(files: list[tuple[Path, bytes]]) -> str:
    h = hashlib.sha256()
    h.update(sys.version.encode())
    for source in sorted(_SOURCE.glob("*.py")):
        h.update(source.name.encode() + b"\0" + source.read_bytes())
    h.update(grammar_path().read_bytes())
    for path, data in files:
        h.update(str(path.resolve()).encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:32]


def load(name: str, kind=None):
    """The entry `name` decoded as `kind` (a Ruleset by default), or None."""
    folder = cache_dir()
    if folder is None:
        return None
    entry = folder / f"rules-{name}{SUFFIX}"
    if not (trusted(folder, True) and trusted(entry, False)):  # another user could have planted it
        return None
    try:
        import msgspec

        from .model import Ruleset
        value = msgspec.msgpack.decode(entry.read_bytes(), type=kind or Ruleset)
    except Exception:  # a missing, partial or foreign entry: parse and check instead
        return None
    try:
        os.utime(entry)  # marks it used: pruning deletes the least recently used
    except OSError:
        pass
    return value


def store(name: str, value) -> None:
    folder = cache_dir()
    if folder is None:
        return
    import tempfile  # only when writing: reading an entry is the common, fast case
    tmp = None
    try:
        if not folder.exists():
            folder.mkdir(parents=True)
            folder.chmod(0o700)  # whatever the umask
        if not trusted(folder, True):
            return
        import msgspec
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # created 0600
        with os.fdopen(fd, "wb") as f:
            f.write(msgspec.msgpack.encode(value))
        os.replace(tmp, folder / f"rules-{name}{SUFFIX}")  # readers see the whole entry or none
        _prune(folder)
    except Exception:  # a read-only or full disk costs speed, never the answer
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    """Delete all but the KEEP most recently used entries (a reader's utime marks use)."""
    def used(entry: Path) -> float:
        try:
            return entry.stat().st_mtime
        except OSError:  # deleted meanwhile by another command
            return 0.0
    entries = sorted(folder.glob(f"rules-*{SUFFIX}"), key=used, reverse=True)
    for old in folder.glob("rules-*.pickle"):  # entries of versions that pickled: never read again
        old.unlink(missing_ok=True)
    for old in entries[KEEP:]:
        old.unlink(missing_ok=True)
    for tmp in folder.glob("*.tmp"):  # left by a command killed while writing
        if used(tmp) < time.time() - TMP_AGE:
            tmp.unlink(missing_ok=True)
