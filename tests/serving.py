"""A `subsidy serve` started for the tests: the real command in its own process, on a free
loopback port (port 0: the server says which), spoken to over real HTTP."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from urllib.parse import quote

from .conftest import ROOT


class Server:
    def __init__(self, *options: str):
        self.process = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "serve", "--port", "0", *options],
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline()  # printed once every worker is up
        if not line.startswith("subsidy serve: "):
            self.stop()
            raise RuntimeError(f"the server did not start: {line}{self.process.stderr.read()}")
        self.url = line.split(": ", 1)[1].strip()
        self.log: list[str] = []  # the server's stderr, drained so that it never blocks on a full pipe
        threading.Thread(target=lambda: self.log.extend(self.process.stderr), daemon=True).start()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(HTTP status, headers, body bytes)."""
        req = urllib.request.Request(self.url + quote(path.lstrip("/"), safe="/?=&"), data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def post(self, path: str, document) -> tuple[int, dict]:
        """POST a JSON document; (status, the JSON answer)."""
        body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
        status, headers, raw = self.request("POST", path, body, {"Content-Type": "application/json"})
        assert headers["content-type"].startswith("application/json"), (status, raw[:200])
        return status, json.loads(raw)

    def get(self, path: str) -> tuple[int, dict]:
        status, headers, raw = self.request("GET", path)
        assert headers["content-type"].startswith("application/json"), (status, raw[:200])
        return status, json.loads(raw)
