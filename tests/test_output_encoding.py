"""Output bytes whatever the locale (issue: hostile input, "output written as UTF-8"): piped or
redirected output is UTF-8; a terminal that cannot show a character gets an escape, not a crash."""
from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

from tests.conftest import EXAMPLES, ROOT

PROFILE = str(EXAMPLES / "pinggu-2025.yaml")


def subsidy(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "cli.py", *args], cwd=ROOT, capture_output=True, timeout=120,
                          env={**os.environ, **env})


def test_json_is_utf8_under_a_gb18030_locale():
    # examples/pinggu-2025.yaml: 1,755,000 元 (README's table of examples)
    done = subsidy("optimize", PROFILE, "--json", PYTHONIOENCODING="gb18030")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout.decode("utf-8"))
    assert plan["total"] == 1_755_000 and plan["enterprise"] == "平谷某汽车零部件制造企业"


def test_tables_piped_under_a_latin1_locale_are_utf8_not_a_crash():
    done = subsidy("optimize", PROFILE, PYTHONIOENCODING="latin-1")
    assert done.returncode == 0, done.stderr  # was exit 70: UnicodeEncodeError
    assert "平谷某汽车零部件制造企业" in done.stdout.decode("utf-8")


def test_a_latin1_terminal_gets_escapes_not_a_crash():
    """A real terminal (a pseudo-terminal) whose encoding cannot show Chinese."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "cli.py", "optimize", PROFILE, "--lang", "en"], cwd=ROOT,
                            stdin=follower, stdout=follower, stderr=follower,
                            env={**os.environ, "PYTHONIOENCODING": "latin-1", "COLUMNS": "200"})
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command ended
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    shown = b"".join(chunks).decode("latin-1")
    assert "\\u5e73\\u8c37" in shown  # 平谷, escaped
    assert "Total: " in shown and "1,755,000" in shown and "internal error" not in shown


def test_json_text_is_what_json_writes_and_json_writes_what_msgspec_cannot():
    # render.to_json writes through msgspec (json.dumps with an indent runs its encoder in
    # Python). The text of a whole answer is json's own, byte for byte (examples/
    # tongzhou-city-direction.yaml: 24,000,000 元, README's table of examples); a dict keyed by
    # true/null, which msgspec refuses, is still written, as json writes it.
    from solver import pipeline
    from solver.render import to_json
    data = pipeline.optimize(str(EXAMPLES / "tongzhou-city-direction.yaml")).to_json()
    assert data["total"] == 24_000_000
    assert to_json(data) == json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    odd = {"flags": {True: 1, None: 2}, "name": "平谷\u001b"}
    assert to_json(odd) == json.dumps(odd, ensure_ascii=False, indent=2) + "\n"
    assert to_json(odd).startswith('{\n  "flags": {\n    "true": 1,\n    "null": 2\n  },')
