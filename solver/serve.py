"""`subsidy serve`: the engine over HTTP (Starlette, run by uvicorn) and a page for enterprises.

Requests are JSON documents — the profile as a dict, never a path on the server — checked
against the request types below (which also give /openapi.json its schemas). What solves
(optimize, explain, audit, prove) runs in a process pool whose workers load the rules once;
the page, the template and the policies are answered by the server process from the rules it
loaded at start, so a slow proof never holds the page up. Every failure is a JSON document
`{"ok": false, "diagnostics": [...]}` with the CLI's diagnostics (`Diagnostic.as_dict()`),
a field path (`profile.facts.industrial_output.2025`) in place of a file's line and column;
no traceback reaches a client.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from . import __version__, i18n, pipeline, schema
from .diagnostics import Diagnostic, DiagnosticError, SymbolicProblem
from .explain import NotTaken, Payment

#: A request body larger than this is refused (413) before it is read further.
MAX_BODY = 1_000_000
#: Seconds a request may take when it names no `timeout`, and the most it may name (a proof of a
#: whole policy takes 20–30 s; `subsidy prove`'s own default limit is 300 s).
DEFAULT_TIMEOUT, MAX_TIMEOUT = 60.0, 300.0
#: Seconds past its limit the server still waits for an answer: the engine stops itself at the
#: limit, but reading and grounding a profile cannot be interrupted. Past it: 504.
GRACE = 10.0
PROFILE, LEDGER = "<profile>", "<ledger>"
WEB = Path(__file__).resolve().parent / "web"


# ---- the request and response documents (and /openapi.json's schemas) --------------------------
Seconds = Annotated[float, Meta(gt=0, description="time limit in seconds, counted from the request's arrival")]
Years = Annotated[int | str | list[int], Meta(description="2025, '2024-2027' or [2025, 2026]; default: the profile's")]


Lang = Annotated[Literal["zh", "en"], Meta(description="language of reasons, bounds and assumptions (--lang); "
                                                       "default: the server's")]


class _Options(Struct, forbid_unknown_fields=True, kw_only=True):
    readings: list[str] = []  # ID=ALT, as --reading
    include_drafts: bool = False
    timeout: Seconds | None = None
    lang: Lang | None = None


class OptimizeRequest(_Options, kw_only=True):
    """`subsidy optimize PROFILE --json`."""
    profile: dict[str, Any]
    years: Years | None = None
    only: list[str] = []
    with_range: bool = False  # --readings: the optima under the conservative and generous readings


class ExplainRequest(_Options, kw_only=True):
    """`subsidy explain PROFILE CLAUSE --json`."""
    profile: dict[str, Any]
    clause: str
    years: Years | None = None


class AuditRequest(_Options, kw_only=True):
    """`subsidy audit PROFILE LEDGER --json`: the ledger as {payments: [...]} (optimize's JSON is
    one) or as the list of payments."""
    profile: dict[str, Any]
    ledger: dict[str, Any] | list[Any]


class ProveRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """`subsidy prove at-most AMOUNT --policy P …` (claim at_most) or `prove no-double GROUP`."""
    claim: Literal["at_most", "no_double"]
    amount: int | str | None = None  # at_most: 1000万 or whole 元
    policy: str | None = None
    article: str | None = None
    per: Literal["item", "enterprise"] = "enterprise"
    year: int | None = None
    group: str | None = None  # no_double
    items: Annotated[int, Meta(ge=1, le=6)] | None = None
    years: Years | None = None
    readings: list[str] = []
    timeout: Seconds | None = None
    lang: Lang | None = None


# The answers are the CLI's --json documents; their record types live with the JSON Schemas
# (`subsidy schema`), so /openapi.json and the schemas cannot drift apart.
PlanDocument, ExplanationDocument = schema.OptimizeDoc, schema.ExplainDoc
VerdictDocument, ProofDocument = schema.AuditDoc, schema.ProveDoc


class Problem(Struct):
    """One diagnostic: the CLI's, with `field` (a path into the request) where it has no file."""
    severity: str
    code: str
    message: str
    help: str | None = None
    field: str | None = None


class ErrorDocument(Struct):
    ok: bool
    diagnostics: list[Problem]


def _problem(code: str, message: str, help: str | None = None, field: str | None = None) -> dict:
    return {k: v for k, v in {"severity": "error", "code": code, "message": message, "help": help,
                              "field": field}.items() if v is not None}


def _error(status: int, *problems: dict) -> tuple[int, bytes]:
    return status, msgspec.json.encode({"ok": False, "diagnostics": list(problems)})


# ---- the work, in a worker process -----------------------------------------------------------
#: The server's rules: the paths of its --rules (or --only-rules) and whether the bundled rules
#: are read beside them (pipeline.load_rules).
Rules = tuple[list[str] | None, bool]


def start_worker(rules: Rules) -> None:
    """A worker's start: rules loaded once, and kept for every request it answers."""
    pipeline.keep_rules()
    pipeline.load_rules(*rules)


def work(command: str, request: dict, rules: list[str] | None, deadline: float, lang: str = "en") -> tuple[int, bytes]:
    """One request, in a worker: (HTTP status, body). The CLI's `--json` document (200), or the
    diagnostics (400), their profile and ledger places given as field paths; texts in `lang`."""
    with i18n.use(lang):
        return _work(command, request, rules, deadline)


def _work(command: str, request: dict, rules: list[str] | None, deadline: float) -> tuple[int, bytes]:
    from .render import to_json
    left = deadline - time.time()
    if left <= 0:  # it waited in the queue past its whole limit
        return _error(504, _problem("E805", "the request waited past its time limit for a free worker",
                                    "try again, or give a longer 'timeout'", "timeout"))
    base = "optimize" if command in DOWNLOADS else command
    try:
        document = _run(base, request, rules, max(left, 0.01), command in DOWNLOADS)
        if command in DOWNLOADS:  # the plan as the file a spreadsheet opens (solver/tabular.py)
            from . import tabular
            return 200, (tabular.plan_csv(document).encode("utf-8") if command == "plan.csv"
                         else tabular.plan_xlsx(document))
    except DiagnosticError as err:
        return _error(400, *_located(err.diagnostics, base, request, rules))
    except SymbolicProblem as err:
        return _error(400, _problem("E606", str(err)))
    except RecursionError:
        return _error(400, _problem("E205", "the input is nested too deeply to read"))
    except Exception:  # noqa: BLE001 — a bug of ours; the client is told no more than that
        import logging
        logging.getLogger("subsidy.serve").exception("internal error in %s", command)
        return _error(500, _problem("E807", "internal error: this is a bug in subsidy-solver, logged on the server"))
    return 200, to_json(document).encode("utf-8")


def _run(command: str, r: dict, rules: Rules, timeout: float, result: bool = False):
    """The pipeline function of `command` on the request `r` (already checked against its type):
    its JSON document, or (`result`) the optimize Result itself."""
    years = _years(r.get("years"))
    rules, bundled = rules
    if command == "optimize":
        plan = pipeline.optimize(r["profile"], rules, years, r["include_drafts"], timeout, r["only"] or None,
                                 r["readings"], r["with_range"], bundled)
        return plan if result else plan.to_json()
    if command == "explain":
        return pipeline.explain(r["profile"], r["clause"], rules, years, r["include_drafts"], timeout, r["readings"],
                                bundled)
    if command == "audit":
        return pipeline.audit(r["profile"], r["ledger"], rules, r["include_drafts"], r["readings"], timeout,
                              bundled=bundled).to_json()
    from .prove import Claim
    if r["claim"] == "at_most":
        if r["policy"] is None or r["amount"] is None:
            raise DiagnosticError(Diagnostic("error", "E804", "an at_most claim names a policy and an amount", None,
                                             "e.g. {\"claim\": \"at_most\", \"amount\": \"1000万\", \"policy\": \"pinggu\"}"))
        claim = Claim("at_most", r["policy"], r["article"], r["per"], r["year"], _amount(r["amount"]))
    else:
        if r["group"] is None:
            raise DiagnosticError(Diagnostic("error", "E804", "a no_double claim names a non-duplication group", None,
                                             "e.g. {\"claim\": \"no_double\", \"group\": \"平谷区\"}"))
        claim = Claim("no_double", group=r["group"])
    return pipeline.prove(claim, rules, years, r["items"], None, timeout, r["readings"], bundled).to_json()


def _years(raw) -> tuple[int, ...] | None:
    from .profile import parse_years
    from .values import ValueProblem
    if raw is None:
        return None
    try:
        return parse_years(raw)
    except ValueProblem as err:
        raise DiagnosticError(Diagnostic("error", "E803", str(err), None, "write 2025, '2024-2027' or [2025, 2026]")) \
            from None


def _amount(raw) -> int:
    from .values import ValueProblem, parse_money
    try:
        amount = parse_money(str(raw))
    except ValueProblem as err:
        raise DiagnosticError(Diagnostic("error", "E804", f"amount: {err}", None, "write 1000万 or whole 元")) from None
    if isinstance(raw, bool) or amount < 0:
        raise DiagnosticError(Diagnostic("error", "E804", f"amount: {raw} is not an amount of money", None))
    return amount


#: Which request field each diagnostic-less code belongs to, for the page to point at.
_FIELDS = {"E803": "years", "E303": "clause", "E600": "policy", "E601": "group", "E607": "article", "E608": "year",
           "E804": "amount"}


def _located(diagnostics: list[Diagnostic], command: str, request: dict, rules) -> list[dict]:
    """The diagnostics as dicts, a place in the profile or the ledger given as a field path.
    A document given as data has no lines: it is written out one key a line and read again with
    positions (as a JSON profile file is read again as YAML to locate a mistake), the request run
    once more on that, and each line mapped back to the key written on it."""
    documents = {PROFILE: ("profile", request.get("profile")), LEDGER: ("ledger", request.get("ledger"))}
    if any(d.span and d.span.file in documents for d in diagnostics):
        positioned, places = {}, {}
        try:
            for label, (key, doc) in documents.items():
                if doc is not None:
                    positioned[key], places[label] = _with_lines(doc, key)
            _run(command, request | positioned, rules, 5.0)
        except DiagnosticError as err:
            if len(err.diagnostics) == len(diagnostics):
                diagnostics = err.diagnostics
        except Exception:  # noqa: BLE001 — the first diagnostics stand, unlocated
            places = {}
    else:
        places = {}
    out = []
    for d in diagnostics:
        entry = _problem(d.code, d.message, d.help, _FIELDS.get(d.code)) | {"severity": d.severity}
        if d.span is not None:
            lines = places.get(d.span.file)
            if lines is not None:
                entry["field"] = lines.get(d.span.line, documents[d.span.file][0])
            elif d.span.file not in documents:  # a rule file (--rules on the server): its own place
                entry.update(file=d.span.file, line=d.span.line, column=d.span.column)
        out.append(entry)
    return out


def _with_lines(doc, root: str):
    """`doc` read back with positions (ruamel nodes), and each line's field path."""
    from ruamel.yaml import YAML
    node = YAML(typ="rt").load(json.dumps(doc, indent=1, ensure_ascii=False))
    lines: dict[int, str] = {1: root}

    def walk(n, path: str) -> None:
        if isinstance(n, dict):
            for k in n:
                lines.setdefault(n.lc.key(k)[0] + 1, f"{path}.{k}")
                walk(n[k], f"{path}.{k}")
        elif isinstance(n, list):
            for i, v in enumerate(n):
                lines.setdefault(n.lc.item(i)[0] + 1, f"{path}[{i}]")
                walk(v, f"{path}[{i}]")
    walk(node, root)
    return node, lines


# ---- the server --------------------------------------------------------------------------------
REQUESTS = {"optimize": OptimizeRequest, "explain": ExplainRequest, "audit": AuditRequest, "prove": ProveRequest,
            "plan.csv": OptimizeRequest, "plan.xlsx": OptimizeRequest}
#: The plan as a download: the optimize request, answered by the file (media type) the page saves.
DOWNLOADS = {"plan.csv": "text/csv; charset=utf-8",
             "plan.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _end(pool: ProcessPoolExecutor) -> None:
    workers = list((getattr(pool, "_processes", None) or {}).values())  # the executor's own record of them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        process.terminate()
    for process in workers:
        process.join(timeout=5)


class Service:
    """The pool, the limits and the rules the server process answers the page from."""

    def __init__(self, rules: list[str] | None = None, workers: int = 2, default_timeout: float = DEFAULT_TIMEOUT,
                 max_timeout: float = MAX_TIMEOUT, grace: float = GRACE, max_body: int = MAX_BODY,
                 bundled: bool = True):
        pipeline.keep_rules()
        self.ruleset = pipeline.load_rules(rules, bundled)  # bad rules: the CLI's diagnostics, before serving
        self.rules: Rules = (rules, bundled)
        self.workers = workers
        self.default_timeout, self.max_timeout, self.grace, self.max_body = default_timeout, max_timeout, grace, max_body
        self.pool: ProcessPoolExecutor | None = None
        self.lock = asyncio.Lock()
        self.ready = lambda: None  # called once the workers are up (`serve` announces its address)
        self.lang = i18n.current()  # a request's language when it names none (serve's --lang, else the locale)

    def start(self) -> None:
        import multiprocessing
        # spawn: a fork of a server with threads (the event loop's, Z3's) can inherit a held lock
        self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=start_worker, initargs=(self.rules,))
        for done in [self.pool.submit(time.time) for _ in range(self.workers)]:
            done.result()  # every worker up, its rules loaded, before the first request

    def stop(self) -> None:
        """The pool shut down and its workers ended: a worker still in a proof would otherwise
        outlive the server (shutdown without waiting leaves it running, orphaned)."""
        if self.pool is not None:
            _end(self.pool)
            self.pool = None


    async def solve(self, command: str, body: bytes) -> tuple[int, bytes]:
        arrived = time.time()
        try:
            request = msgspec.json.decode(body, type=REQUESTS[command])
        except msgspec.ValidationError as err:
            return _error(400, _shape(err))
        except msgspec.DecodeError as err:
            return _error(400, _problem("E800", f"the request body is not JSON: {err}",
                                        "send a JSON object, e.g. {\"profile\": {...}}"))
        except RecursionError:
            return _error(400, _problem("E800", "the request body is nested too deeply to read"))
        limit = self.default_timeout if request.timeout is None else request.timeout
        if limit > self.max_timeout:
            return _error(400, _problem("E801", f"timeout {limit:g} s is more than this server allows "
                                        f"({self.max_timeout:g} s)", f"give at most {self.max_timeout:g}", "timeout"))
        loop = asyncio.get_running_loop()
        pool = self.pool
        try:
            future = pool.submit(work, command, msgspec.structs.asdict(request), self.rules, arrived + limit,
                                 request.lang or self.lang)
        except BrokenProcessPool:
            await self.renew(pool)
            return await self.solve(command, body)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future, loop=loop),
                                          max(arrived + limit + self.grace - time.time(), 0.0))
        except asyncio.TimeoutError:
            future.cancel()  # if it has not started; a started one stops at its own limit
            return _error(504, _problem("E805", f"the request ran past its time limit of {limit:g} s",
                                        "give a longer 'timeout', or ask a smaller question", "timeout"))
        except BrokenProcessPool:  # a worker died (killed, out of memory): a fresh pool for the next
            await self.renew(pool)
            return _error(500, _problem("E806", "the worker answering this request stopped; try again"))

    async def renew(self, broken: ProcessPoolExecutor) -> None:
        """A fresh pool in place of a broken one, started once however many requests found it broken."""
        async with self.lock:
            if self.pool is broken:
                await asyncio.to_thread(_end, broken)
                await asyncio.to_thread(self.start)


def _shape(err: msgspec.ValidationError) -> dict:
    """msgspec's 'Expected `bool`, got `str` - at `$.include_drafts`' as a diagnostic on that field."""
    message, _, at = str(err).partition(" - at `$")
    field = at.rstrip("`").lstrip(".") or None
    if message.startswith("Object contains unknown field"):
        name = message.split("`")[1]
        known = [f for f in REQUESTS_FIELDS if f]
        from .diagnostics import did_you_mean
        return _problem("E802", f"unknown field '{name}' in the request", did_you_mean(name, known)
                        or f"fields: {', '.join(sorted(known))}", field or name)
    if message.startswith("Object missing required field"):
        name = message.split("`")[1]
        return _problem("E802", f"the request lacks '{name}'", None, field or name)
    return _problem("E802", f"{field or 'the request'}: {message[0].lower() + message[1:]}", None, field)


REQUESTS_FIELDS = sorted({f for t in REQUESTS.values() for f in t.__struct_fields__})


async def _body(request, limit: int) -> bytes | None:
    """The body, or None once it is longer than `limit` (read no further)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(service: Service):
    """The Starlette application over `service`."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    def raw(status: int, body: bytes, command: str | None = None) -> Response:
        if status == 200 and command in DOWNLOADS:
            return Response(body, status, media_type=DOWNLOADS[command],
                            headers={"Content-Disposition": f'attachment; filename="{command}"'})
        return Response(body, status, media_type="application/json; charset=utf-8")

    def solving(command: str):
        async def endpoint(request):
            body = await _body(request, service.max_body)
            if body is None:
                return raw(*_error(413, _problem("E810", f"the request body is larger than {service.max_body:,} bytes",
                                                 "a profile of 1000 items is about 200 kB; send one enterprise a request")))
            return raw(*await service.solve(command, body), command)
        return endpoint

    async def template(request):
        q = request.query_params
        district = q.get("district")
        if not district:
            return raw(*_error(400, _problem("E811", "name the district: /api/template?district=平谷区", None, "district")))
        try:
            years = _years(q.get("years"))
            data = pipeline.template_form(district, years, service.rules[0], q.get("include_drafts") in ("1", "true"),
                                          service.rules[1])
        except DiagnosticError as err:
            return raw(*_error(400, *[_problem(d.code, d.message, d.help, "years" if d.code == "E803" else "district")
                                      for d in err.diagnostics]))
        return JSONResponse(data)

    async def read_profile(request):
        body = await _body(request, service.max_body)
        if body is None:
            return raw(*_error(413, _problem("E810", f"the file is larger than {service.max_body:,} bytes")))
        from urllib.parse import unquote
        name = unquote(request.headers.get("x-file-name", "")) or "profile"
        status, out = await asyncio.to_thread(profile_from_text, body, name)
        return raw(status, msgspec.json.encode(out))

    async def policies(request):
        return JSONResponse(policies_document(service.ruleset))

    async def openapi(request):
        return JSONResponse(openapi_document())

    async def page(request):
        return HTMLResponse(render_page(service.ruleset))

    async def not_found(request, exc: HTTPException):
        code = {404: "E812", 405: "E813"}.get(exc.status_code, "E814")
        text = {404: f"no such page or endpoint: {request.url.path}", 405: f"{request.method} is not allowed here"}
        return raw(*_error(exc.status_code, _problem(code, text.get(exc.status_code, exc.detail),
                                                     "the endpoints are listed at /openapi.json")))

    async def internal(request, exc: Exception):
        return raw(*_error(500, _problem("E807", "internal error: this is a bug in subsidy-solver, logged on the server")))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        service.start()
        service.ready()
        try:
            yield
        finally:
            service.stop()

    routes = [
        Route("/", page),
        Route("/api/optimize", solving("optimize"), methods=["POST"]),
        Route("/api/explain", solving("explain"), methods=["POST"]),
        Route("/api/audit", solving("audit"), methods=["POST"]),
        Route("/api/prove", solving("prove"), methods=["POST"]),
        Route("/api/plan.csv", solving("plan.csv"), methods=["POST"]),
        Route("/api/plan.xlsx", solving("plan.xlsx"), methods=["POST"]),
        Route("/api/template", template),
        Route("/api/read-profile", read_profile, methods=["POST"]),
        Route("/api/policies", policies),
        Route("/openapi.json", openapi),
        Mount("/static", StaticFiles(directory=WEB), name="static"),
    ]
    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={HTTPException: not_found, Exception: internal})


def profile_from_text(raw: bytes, name: str) -> tuple[int, dict]:
    """A profile file's text (YAML or JSON, as a user loads it into the page) -> the profile as
    JSON data (dates as text, keys as text); a syntax mistake located in that file."""
    import datetime as dt

    from .profile import read_document

    def plain(node):
        if isinstance(node, dict):
            return {str(k): plain(v) for k, v in node.items()}
        if isinstance(node, list):
            return [plain(v) for v in node]
        if isinstance(node, (dt.date, dt.datetime)):
            return node.isoformat()
        return node
    try:
        text = raw.decode("utf-8")
        if not text.strip():
            raise DiagnosticError(Diagnostic("error", "E816", "the file is empty", None, "load a profile (YAML or JSON)"))
        doc, _ = read_document(name, "profile", text)
    except UnicodeDecodeError:
        return 400, {"ok": False, "diagnostics": [_problem("E816", "the file is not UTF-8 text", "save it as UTF-8")]}
    except DiagnosticError as err:
        return 400, {"ok": False, "diagnostics": [d.as_dict() for d in err.diagnostics]}
    if not isinstance(doc, dict):
        return 400, {"ok": False, "diagnostics": [_problem("E816", "a profile is a mapping with keys enterprise, "
                                                           "years, facts, items")]}
    return 200, {"profile": plain(doc)}


def policies_document(ruleset) -> dict:
    """Every policy with its articles (each clause's and part's own words) and its readings."""
    from .readings import listing
    out = []
    for p in sorted(ruleset.policies.values(), key=lambda p: p.order):
        clauses = [{"clause": c.key, "article": c.article, "text": list(c.texts),
                    "parts": [{"clause": c.part_key(part), "text": list(part.texts)} for part in c.parts]}
                   for c in ruleset.clauses if c.policy == p.id]
        other = [{"article": a.article, "status": a.status, "note": a.note} for pid, a in ruleset.articles if pid == p.id]
        out.append({"id": p.id, "title": p.title, "document": p.document, "issuer": p.issuer, "level": p.level,
                    "region": p.region, "in_force": [str(d) if d else None for d in p.in_force],
                    "draft": p.is_draft, "clauses": clauses, "other_articles": other,
                    "readings": listing(ruleset, p.id)})
    return {"policies": out, "districts": list(ruleset.vocab.enums.get("district", ()))}


def openapi_document() -> dict:
    """OpenAPI 3.1: paths written here; every request and response schema generated by msgspec
    from the record types above (the responses' from the engine's own Payment and NotTaken)."""
    responses = {"optimize": PlanDocument, "explain": ExplanationDocument, "audit": VerdictDocument,
                 "prove": ProofDocument}
    _, components = msgspec.json.schema_components(
        [*set(REQUESTS.values()), *responses.values(), ErrorDocument], ref_template="#/components/schemas/{name}")

    def ref(t) -> dict:
        return {"$ref": f"#/components/schemas/{t.__name__}"}

    def errors(*codes: int) -> dict:
        words = {400: "bad input: the diagnostics, each with its field", 413: "body larger than the limit",
                 504: "past the time limit", 500: "internal error (no details)"}
        return {str(c): {"description": words[c], "content": {"application/json": {"schema": ref(ErrorDocument)}}}
                for c in codes}
    paths = {}
    for command, media in DOWNLOADS.items():
        paths[f"/api/{command}"] = {"post": {
            "summary": f"the plan of `subsidy optimize PROFILE --{command.split('.')[1]} FILE`: the same request as "
                       "/api/optimize, answered by the file (Chinese headers; CSV with Excel's BOM)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(OptimizeRequest)}}},
            "responses": {"200": {"description": "the file, as an attachment", "content": {media.split(";")[0]: {}}},
                          **errors(400, 413, 504, 500)}}}
    for command, request in REQUESTS.items():
        if command in DOWNLOADS:
            continue
        paths[f"/api/{command}"] = {"post": {
            "summary": (request.__doc__ or "").strip().splitlines()[0],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(request)}}},
            "responses": {"200": {"description": "the CLI's --json document",
                                  "content": {"application/json": {"schema": ref(responses[command])}}},
                          **errors(400, 413, 504, 500)}}}
    paths["/api/template"] = {"get": {
        "summary": "what a district's policies ask of a profile: facts and kinds of item, with labels and articles",
        "parameters": [{"name": "district", "in": "query", "required": True, "schema": {"type": "string"}},
                       {"name": "years", "in": "query", "schema": {"type": "string"}},
                       {"name": "include_drafts", "in": "query", "schema": {"type": "boolean"}}],
        "responses": {"200": {"description": "solver.template.form", "content": {"application/json": {}}},
                      **errors(400)}}}
    paths["/api/policies"] = {"get": {"summary": "the policies, their articles' words and their readings",
                                      "responses": {"200": {"description": "policies", "content": {"application/json": {}}}}}}
    return {"openapi": "3.1.0", "info": {"title": "subsidy-solver", "version": __version__},
            "paths": paths, "components": {"schemas": components}}


def render_page(ruleset) -> str:
    """The page: web/index.html with the districts and the policies written in by the server."""
    from html import escape
    districts = "".join(f'<option value="{escape(d)}">{escape(d)}</option>'
                        for d in ruleset.vocab.enums.get("district", ()))
    policies = "".join(f"<li>{escape(p.title)}（{escape(p.region)}{'，征求意见稿' if p.is_draft else ''}）</li>"
                       for p in sorted(ruleset.policies.values(), key=lambda p: p.order))
    page = (WEB / "index.html").read_text(encoding="utf-8")
    return page.replace("<!--districts-->", districts).replace("<!--policies-->", policies)


def serve(host: str, port: int, rules: list[str] | None, workers: int, default_timeout: float,
          max_timeout: float, announce, bundled: bool = True) -> None:
    """Run the server until interrupted; `announce(url)` once it listens (port 0: a free port)."""
    import socket

    import uvicorn
    service = Service(rules, workers, default_timeout, max_timeout, bundled=bundled)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        raise DiagnosticError(Diagnostic("error", "E815", f"cannot listen on {host}:{port}: {err.strerror}", None,
                                         "give another --port (0: any free one)")) from None
    bound = sock.getsockname()[1]
    config = uvicorn.Config(create_app(service), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    service.ready = lambda: announce(f"http://{host if ':' not in host else f'[{host}]'}:{bound}/")
    server.run(sockets=[sock])
