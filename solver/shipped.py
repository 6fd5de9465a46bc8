"""The bundled rules as checked when the package was made, so that a user's first command neither
imports lark nor parses (parsing and checking the bundled rules took ~0.13 s of a 0.21 s
command, twice the time of importing z3, lark and click: bench/results.md §a, §c).

`bundled-rules.msgpack`, beside this module, is made by `python -m solver.shipped` from the
bundled rule files and travels in the wheel. Its first line is its format and the SHA-256 of the
rest, so a damaged file is never decoded (a flipped byte could decode to other rules); the rest
holds the checked `Ruleset` as msgpack (data only, like a cache entry: solver/cache.py) and a
digest of everything that rule set is made from: the grammar, the name and bytes of every bundled rule file and of every policy text the
rules name (`source`), and the source of every module of this package that parsing and checking
can run (`parse`, `check` and what they import, read from their source). It is read only for
the bundled rules alone, and only when the digest of the files on disk is its digest: any
edit of a rule file, a text, the grammar or that code makes it stale, and a stale, missing or
unreadable artefact is passed over (the rules are then parsed, checked and cached as before).
Rules named with --rules or --only-rules never use it. `tests/test_shipped.py` fails while it
is stale.

Paths: the rule set names its files by absolute path (spans, `source`), and the package may be
anywhere. The artefact holds the rule set's msgpack cut where each such path stands, and which
path (relative to the rules folder) goes in each cut; the pieces are joined with the paths under
this installation's rules folder, then decoded. Joining takes ~1 ms in a fresh process; putting
the paths back with `bytes.replace`, one pass per file, took 5.5-7 ms.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec

from .model import Ruleset
from .resources import grammar_path, rules_dir

ARTEFACT = Path(__file__).resolve().parent / "bundled-rules.msgpack"
#: Changed with the artefact's layout, or with the meaning of its digest.
FORMAT = b"subsidy-rules 1"


class Artefact(msgspec.Struct, frozen=True):
    digest: str
    modules: tuple[str, ...]  # the modules of this package whose source the digest covers
    files: tuple[str, ...]  # the rule files, by name, in the order they are read
    texts: tuple[str, ...]  # the policy texts the rules name, relative to the rules folder ("/"-separated)
    pieces: tuple[bytes, ...]  # the Ruleset as msgpack, cut where a path of files or texts stands
    cuts: bytes  # for each cut, in order, the index of its path in files + texts


def read() -> Artefact | None:
    """The artefact shipped with the package, or None if it is missing, of another format,
    damaged (its checksum) or unreadable."""
    try:
        head, _, body = ARTEFACT.read_bytes().partition(b"\n")
        if head != FORMAT + b" " + hashlib.sha256(body).hexdigest().encode():
            return None
        return msgspec.msgpack.decode(body, type=Artefact)
    except (OSError, msgspec.DecodeError):
        return None


def matching(files: list[tuple[Path, bytes]]) -> Artefact | None:
    """The shipped artefact if `files` (path, bytes), as `pipeline.load_rules` read them, are
    the bundled rule files it was made from, unchanged, and the grammar, the texts and the
    engine's code are too; else None."""
    root = rules_dir()
    if any(f.parent != root for f, _ in files) or root.resolve() != root:
        return None  # not the bundled files; or a linked folder, where `source` paths would resolve elsewhere
    artefact = read()
    if artefact is None:
        return None
    try:
        texts = [(rel, (root / rel).read_bytes()) for rel in artefact.texts]
        found = digest([(f.name, raw) for f, raw in files], texts, artefact.modules)
    except OSError:
        return None
    return artefact if found == artefact.digest else None


def ruleset(artefact: Artefact) -> Ruleset | None:
    """The checked rules an artefact holds, with this installation's paths; None if they cannot
    be decoded (a damaged file)."""
    root = rules_dir()
    paths = [msgspec.msgpack.encode(str(root / rel)) for rel in artefact.files + artefact.texts]
    if len(artefact.pieces) != len(artefact.cuts) + 1 or max(artefact.cuts, default=0) >= len(paths):
        return None
    joined = [b""] * (2 * len(artefact.pieces) - 1)
    joined[0::2] = artefact.pieces
    joined[1::2] = [paths[i] for i in artefact.cuts]
    try:
        return msgspec.msgpack.decode(b"".join(joined), type=Ruleset)
    except msgspec.DecodeError:
        return None


def digest(files: list[tuple[str, bytes]], texts: list[tuple[str, bytes]], modules: tuple[str, ...]) -> str:
    """What a checked rule set is made from, hashed: the rule files and the texts (relative name
    and bytes, in order), the grammar and the source of `modules`. OSError if one is missing."""
    h = hashlib.sha256(FORMAT + b"\0")
    here = Path(__file__).resolve().parent
    for name in modules:
        h.update(name.encode() + b"\0" + (here / f"{name}.py").read_bytes() + b"\0")
    h.update(grammar_path().read_bytes() + b"\0")
    for rel, raw in files + texts:
        h.update(rel.encode() + b"\0" + hashlib.sha256(raw).digest())
    return h.hexdigest()[:32]


def engine_modules(roots: tuple[str, ...] = ("parse", "check")) -> tuple[str, ...]:
    """The modules of this package that parsing and checking can run: `roots` and every module
    of the package they import, directly or through another, at the top or inside a function.
    Read from the source, so the answer does not depend on what this process has imported."""
    import ast as python_ast  # only when making the artefact
    here = Path(__file__).resolve().parent
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = python_ast.parse((here / f"{name}.py").read_text(encoding="utf-8"))
        for node in python_ast.walk(tree):
            if isinstance(node, python_ast.ImportFrom) and node.level == 1:  # from .x import …, from . import x
                todo.extend([node.module.split(".")[0]] if node.module else [a.name for a in node.names])
            elif isinstance(node, python_ast.ImportFrom) and node.module:  # from solver.x import …
                todo.extend(_own(node.module))
            elif isinstance(node, python_ast.Import):  # import solver.x
                todo.extend(m for a in node.names for m in _own(a.name))
    return tuple(sorted(seen))


def _own(module: str) -> list[str]:
    """`solver.x.y` -> ["x"], `solver` -> ["__init__"], another package's module -> []."""
    top, _, rest = module.partition(".")
    return [rest.split(".")[0] or "__init__"] if top == "solver" else []


def make() -> bytes:
    """The artefact for the bundled rules as they are now: parsed, checked, cut at its paths.
    AssertionError if a path of the rules folder would be left in it whole or in part."""
    import re
    from .check import check
    from .parse import parse_files
    from .pipeline import rule_files
    root = rules_dir()
    files = [(f, f.read_bytes()) for f in rule_files(None)]
    checked = check(parse_files(files))
    data = msgspec.msgpack.encode(checked)
    named = [f.name for f, _ in files]
    texts = sorted({Path(p.source).relative_to(root).as_posix() for p in checked.policies.values() if p.source})
    paths = {msgspec.msgpack.encode(str(root / rel)): n for n, rel in enumerate(named + texts)}
    assert len(paths) <= 256, "a cut's path index is one byte"
    pieces, cuts, start = [], bytearray(), 0
    for found in re.finditer(b"|".join(map(re.escape, paths)), data):
        pieces.append(data[start:found.start()])
        cuts.append(paths[found.group()])
        start = found.end()
    pieces.append(data[start:])
    assert not any(str(root).encode() in p for p in pieces), "a path of the rules folder is not a whole string"
    modules = engine_modules()
    made_from = digest([(f.name, raw) for f, raw in files], [(rel, (root / rel).read_bytes()) for rel in texts], modules)
    artefact = Artefact(made_from, modules, tuple(named), tuple(texts), tuple(pieces), bytes(cuts))
    assert msgspec.msgpack.encode(ruleset(artefact)) == data, "the pieces and paths do not give the rule set back"
    body = msgspec.msgpack.encode(artefact)
    return FORMAT + b" " + hashlib.sha256(body).hexdigest().encode() + b"\n" + body


if __name__ == "__main__":
    ARTEFACT.write_bytes(make())
    print(f"wrote {ARTEFACT} ({ARTEFACT.stat().st_size} bytes)")
