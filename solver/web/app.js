// subsidy serve's page: a form built from /api/template, a plan from /api/optimize. No build step.
"use strict";
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v; else if (v !== null && v !== undefined) node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
};
const yuan = (n) => n.toLocaleString("zh-CN") + " 元";
const STATUS = {optimal: "已证明最优 (optimal)", feasible: "时限内未证明最优 (feasible)", unknown: "时限内未求得 (unknown)"};
const NOT_TAKEN = {draft: "征求意见稿", out_of_force: "不在有效期内", no_item: "无相应项目", missing: "缺少事实",
  ineligible: "不符合条件", below_minimum: "低于最低金额", dominated: "已由其他条款支持（从优不重复）", unproven: "时限内未证明"};
const KIND = {computed: "按公式计算", discretionary: "酌定（最高）"};

let form = null;        // /api/template's data for the chosen district
let words = {};         // clause key -> its article's own words (/api/policies)
let extra = {facts: {}, items: []};  // a loaded profile's facts and items this form does not ask for
let lastPlan = null;
let lastRequest = null;  // the request behind the plan shown: the Excel and CSV downloads ask for it again

async function downloadTable(kind) {
  if (!lastRequest) return;
  const response = await fetch(`/api/plan.${kind}`, {method: "POST", headers: {"Content-Type": "application/json"},
                                                     body: JSON.stringify(lastRequest)});
  if (!response.ok) return showErrors((await response.json()).diagnostics);
  download(`plan.${kind}`, await response.blob());
}

function planYears() {
  const raw = $("years").value.trim();
  const m = raw.match(/^(\d{4})\s*-\s*(\d{4})$/);
  if (m) { const out = []; for (let y = +m[1]; y <= +m[2] && out.length < 50; y++) out.push(y); return out; }
  const list = raw.split(/[,，\s]+/).filter((s) => /^\d{4}$/.test(s)).map(Number);
  return list.length ? list : [new Date().getFullYear()];
}

// the years a yearly figure is asked for: two before the first planned year (growth, history) to the last
let shownYears = [];
function columns(extraYears = []) {
  const ys = planYears();
  const lo = Math.min(ys[0] - 2, ...extraYears), hi = Math.max(ys[ys.length - 1], ...extraYears);
  const out = [];
  for (let y = lo; y <= hi; y++) out.push(y);
  return out;
}

function input(info, path, value) {
  let node;
  if (info.type === "bool" || info.type === "enum") {
    const choices = info.type === "bool" ? [["true", "是"], ["false", "否"]] : info.values.map((v) => [v, v]);
    node = el("select", {}, el("option", {value: "", text: "（未填）"}), ...choices.map(([v, t]) => el("option", {value: v, text: t})));
  } else {
    const hint = {money: "如 500万、1.8亿 或整数元", rate: "如 6%", date: "YYYY-MM-DD", count: "整数", year: "年份"}[info.type] || "";
    node = el("input", {placeholder: hint, size: info.type === "text" ? 24 : 12});
  }
  node.dataset.field = path;
  node.dataset.type = info.type;
  node.name = path;
  if (value !== undefined && value !== null) node.value = String(value);
  return node;
}

function valueCell(info, path, value) {
  if (!info.per_year) return el("td", {}, input(info, path, value));
  const cell = el("td", {class: "years"});
  for (const y of shownYears) {
    cell.append(el("label", {}, String(y) + " ", input(info, `${path}.${y}`, value ? value[y] ?? value[String(y)] : undefined)));
  }
  return cell;
}

function factRow(info, value) {
  return el("tr", {}, el("td", {}, el("span", {class: "label", text: info.label}), el("br"), el("code", {text: info.name})),
    el("td", {class: "note", text: info.description + "；" + info.articles.join("、")}),
    valueCell(info, `profile.facts.${info.name}`, value));
}

function itemRow(kind, item = {}) {
  const tbody = $(`kind-${kind.name}`);
  const row = el("tr");
  const n = tbody.rows.length;
  row.append(el("td", {}, input({type: "text"}, "id", item.id ?? `${kind.name}_${n + 1}`)));
  for (const f of kind.fields) row.append(valueCell(f, f.name, item[f.name]));
  if (kind.event) row.append(el("td", {}, input({type: "date"}, "date", item.date)));
  const remove = el("button", {type: "button", text: "删除"});
  remove.onclick = () => { row.remove(); renumber(); };
  row.append(el("td", {}, remove));
  tbody.append(row);
  renumber();
}

// an item's inputs carry its field path, profile.items[N].field, for the server's messages to find them
function renumber() {
  let n = extra.items.length;
  for (const tbody of document.querySelectorAll("#kinds tbody")) {
    for (const row of tbody.rows) {
      for (const node of row.querySelectorAll("[data-field]")) {
        const own = node.dataset.own || (node.dataset.own = node.dataset.field);
        node.dataset.field = `profile.items[${n}].${own}`;
      }
      n++;
    }
  }
}

function build(profile = null) {
  const years = profile ? Object.values(profile.facts || {}).concat((profile.items || []).flatMap((i) => Object.values(i)))
    .filter((v) => v && typeof v === "object" && !Array.isArray(v)).flatMap((v) => Object.keys(v)).filter((k) => /^\d{4}$/.test(k)).map(Number) : [];
  shownYears = columns(years);
  const facts = profile?.facts || {};
  const tbody = $("facts").tBodies[0];
  tbody.replaceChildren(...form.facts.map((f) => factRow(f, f.name === "district" ? $("district").value : facts[f.name])));
  const asked = new Set(form.facts.map((f) => f.name));
  extra = {facts: Object.fromEntries(Object.entries(facts).filter(([k]) => !asked.has(k))), items: []};
  const kinds = $("kinds");
  kinds.replaceChildren();
  const byKind = {};
  for (const item of profile?.items || []) {
    if (form.kinds.some((k) => k.name === item.kind)) (byKind[item.kind] ||= []).push(item); else extra.items.push(item);
  }
  for (const kind of form.kinds) {
    const head = el("tr", {}, el("th", {text: "编号 id"}), ...kind.fields.map((f) => el("th", {title: f.description, text: f.label})),
      ...(kind.event ? [el("th", {text: "日期 date"})] : []), el("th"));
    const add = el("button", {type: "button", text: "添加一行", "data-kind": kind.name});
    add.onclick = () => itemRow(kind);
    kinds.append(el("details", {open: byKind[kind.name] ? "" : null},
      el("summary", {}, el("strong", {text: kind.label}), ` (${kind.name})：`, el("span", {class: "note", text: kind.articles.join("、")})),
      el("table", {class: "items"}, el("thead", {}, head), el("tbody", {id: `kind-${kind.name}`})), add));
    for (const item of byKind[kind.name] || []) itemRow(kind, item);
  }
  const kept = Object.keys(extra.facts).length + extra.items.length;
  $("extra").textContent = kept ? `档案中另有 ${kept} 项本区表格未列出的事实或项目，将原样提交。` : "";
}

function read(node) {
  const v = node.value.trim();
  if (v === "") return undefined;
  const t = node.dataset.type;
  if (t === "bool") return v === "true";
  if ((t === "count" || t === "year") && /^\d+$/.test(v)) return Number(v);
  if (t === "money" && /^\d+$/.test(v)) return Number(v);
  return v;  // anything else as written: the server reads it, or says where it is wrong
}

function collect(cells, into) {
  for (const node of cells) {
    const value = read(node);
    if (value === undefined) continue;
    const [name, year] = (node.dataset.own || node.dataset.field.replace(/^profile\.facts\./, "")).split(".");
    if (year) (into[name] ||= {})[year] = value; else into[name] = value;
  }
  return into;
}

function profile() {
  const out = {enterprise: $("enterprise").value.trim() || "企业", years: $("years").value.trim(), facts: {...extra.facts}, items: []};
  if (/^\d{4}$/.test(out.years)) out.years = Number(out.years);
  collect($("facts").querySelectorAll("[data-field]"), out.facts);
  out.items.push(...extra.items);
  for (const kind of form.kinds) {
    for (const row of $(`kind-${kind.name}`).rows) out.items.push(collect(row.querySelectorAll("[data-field]"), {kind: kind.name}));
  }
  for (const item of out.items) if (item.id === undefined) item.id = "";
  return out;
}

async function loadForm(loaded = null) {
  const q = new URLSearchParams({district: $("district").value, include_drafts: $("include-drafts").checked});
  const response = await fetch(`/api/template?${q}`);
  const data = await response.json();
  if (!response.ok) return showErrors(data.diagnostics);
  form = data;
  build(loaded);
}

function showErrors(diagnostics) {
  for (const node of document.querySelectorAll(".invalid")) node.classList.remove("invalid");
  $("error-list").replaceChildren(...diagnostics.map((d) => {
    const target = d.field && document.querySelector(`[data-field="${CSS.escape(d.field)}"]`);
    if (target) { target.classList.add("invalid"); target.title = d.message; }
    return el("li", {}, el("code", {text: `error[${d.code}]`}), " ", d.field ? el("strong", {class: "field", text: d.field}) : "",
      d.field ? "：" : "", d.message, d.help ? el("div", {class: "note", text: "提示 help: " + d.help}) : "");
  }));
  $("errors").hidden = false;
  $("errors").scrollIntoView();
}

function wordsOf(clause) {
  for (let key = clause; key; key = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : "") {
    if (words[key]?.length) return words[key].join(" ");
  }
  return "";
}

function showPlan(plan) {
  lastPlan = plan;
  $("total").textContent = yuan(plan.total);
  $("status").textContent = STATUS[plan.status] + (plan.status === "optimal" ? "" : `；可证上界 ${yuan(plan.bound)}`);
  $("computed").textContent = yuan(plan.computed_total);
  $("discretionary").textContent = yuan(plan.discretionary_total);
  $("payments").tBodies[0].replaceChildren(...plan.payments.map((p) => el("tr", {},
    el("td", {text: p.policy}), el("td", {class: "article", text: p.article}), el("td", {text: p.item === "enterprise" ? "企业" : p.item}),
    el("td", {text: p.year}), el("td", {class: "money", text: p.amount.toLocaleString("zh-CN")}),
    el("td", {text: KIND[p.kind] + (p.draft ? "（征求意见稿）" : "")}), el("td", {class: "note", text: p.bound_by}),
    el("td", {class: "words", text: wordsOf(p.clause)}))));
  $("readings").replaceChildren(...plan.payments.flatMap((p) => p.readings.map((r) => `${p.article}：${r}`))
    .filter((r, i, all) => all.indexOf(r) === i).map((r) => el("li", {text: r})));
  $("missing").replaceChildren(...(plan.missing_facts.length ? plan.missing_facts.map((m) =>
    el("li", {}, el("code", {text: m.fact}), `（${m.description}）：${m.articles.join("、")} 需要`
      + (m.up_to ? `，单笔最高 ${m.up_to.toLocaleString("zh-CN")} 元` : ""))) : [el("li", {text: "无"})]));
  const mine = new Set(form.policies.map((p) => p.id));
  $("not-taken").tBodies[0].replaceChildren(...plan.not_taken.filter((n) => mine.has(n.policy)).map((n) => el("tr", {},
    el("td", {text: n.policy}), el("td", {text: n.article}), el("td", {text: n.item}),
    el("td", {}, el("strong", {text: NOT_TAKEN[n.kind] || n.kind}), "：", n.reason))));
  $("benefits").replaceChildren(...(plan.benefits.length ? plan.benefits.map((b) => el("li", {text: Object.values(b).join(" · ")}))
    : [el("li", {text: "无"})]));
  $("plan").hidden = false;
  $("plan").scrollIntoView();
}

function download(name, text, type = "application/json") {
  const link = el("a", {href: URL.createObjectURL(text instanceof Blob ? text : new Blob([text], {type})), download: name});
  document.body.append(link);
  link.click();
  link.remove();
}

async function submit(event) {
  event.preventDefault();
  $("errors").hidden = true;
  $("busy").textContent = "计算中…";
  $("submit").disabled = true;
  try {
    const body = {profile: profile(), include_drafts: $("include-drafts").checked, lang: "zh"};
    lastRequest = body;
    const response = await fetch("/api/optimize", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const data = await response.json();
    if (response.ok) { $("errors").hidden = true; showPlan(data); } else { $("plan").hidden = true; showErrors(data.diagnostics); }
  } catch (err) {
    showErrors([{code: "E000", message: "无法连接服务器：" + err}]);
  } finally {
    $("busy").textContent = "";
    $("submit").disabled = false;
  }
}

async function loadFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  const response = await fetch("/api/read-profile", {method: "POST", body: await file.text(), headers: {"X-File-Name": encodeURIComponent(file.name)}});
  const data = await response.json();
  if (!response.ok) return showErrors(data.diagnostics);
  const p = data.profile;
  if (p.facts?.district && [...$("district").options].some((o) => o.value === p.facts.district)) $("district").value = p.facts.district;
  if (p.years !== undefined) $("years").value = Array.isArray(p.years) ? p.years.join(",") : String(p.years);
  $("enterprise").value = p.enterprise ?? "";
  await loadForm(p);
  $("file-note").textContent = `已载入 ${file.name}`;
}

async function init() {
  const data = await (await fetch("/api/policies")).json();
  for (const policy of data.policies) {
    for (const c of policy.clauses) { words[c.clause] = c.text; for (const part of c.parts) words[part.clause] = part.text.length ? part.text : c.text; }
  }
  $("district").onchange = () => loadForm(profile());
  $("years").onchange = () => build(profile());
  $("include-drafts").onchange = () => loadForm(profile());
  $("profile-form").onsubmit = submit;
  $("load-profile").onchange = loadFile;
  $("save-profile").onclick = () => download("profile.json", JSON.stringify(profile(), null, 2));
  $("download-json").onclick = () => lastPlan && download("plan.json", JSON.stringify(lastPlan, null, 2));
  $("download-xlsx").onclick = () => downloadTable("xlsx");
  $("download-csv").onclick = () => downloadTable("csv");
  await loadForm();
  document.body.dataset.ready = "1";
}
init();
