// prov web page: hash routes over the /api/v1 lineage API (read only: the
// page never posts events or revocations).
// Certificate verification runs in Go on the server (POST /api/v1/verify);
// this page only uploads the files and shows the report.
import { h, badge, num } from './dom.js';
import { renderGraph } from './graph.js';
import { barChart } from './charts.js';

const main = document.getElementById('main');
const VERDICTS = ['admit', 'redact', 'quarantine', 'reject'];
const BUNDLE = ['certificate.dsse.json', 'proof.json', 'manifest.json', 'pubkey.pem'];

// ---- API ----------------------------------------------------------------

function asOf() { return sessionStorage.getItem('as_of') || ''; }

function token() { return sessionStorage.getItem('token') || ''; }

class APIError extends Error {
  constructor(status, msg) { super(msg); this.status = status; }
}

async function call(method, path, { params = {}, body, json } = {}) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null) u.searchParams.set(k, v);
  if (method === 'GET' && asOf() && !u.searchParams.has('as_of')) u.searchParams.set('as_of', asOf());
  const headers = {};
  if (token()) headers.Authorization = 'Bearer ' + token();
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  const res = await fetch(u, { method, headers, body });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new APIError(res.status, data.error || res.statusText);
  return data;
}

const api = (path, params) => call('GET', '/api/v1' + path, { params });
const enc = encodeURIComponent;

// ---- helpers --------------------------------------------------------------

function certBadge(c) {
  if (!c) return badge('no certificate', 'none');
  return badge(c.status, c.status);
}

function countsRow(c) {
  return VERDICTS.map((v) => h('td', { class: 'num' }, num(c[v])));
}

function time(t) { return t ? t.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }

// mount replaces the page's content, skipping absent (null) parts.
function mount(...children) {
  main.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function page(title, ...children) {
  mount(h('h1', {}, title), ...children);
}

function showError(err) {
  if (err instanceof APIError && err.status === 401) {
    const input = h('input', { type: 'password', id: 'token', placeholder: 'bearer token', autocomplete: 'off' });
    page('Sign in', h('p', {}, 'This server needs a bearer token.'),
      h('form', { class: 'controls', onsubmit: (ev) => { ev.preventDefault(); sessionStorage.setItem('token', input.value); route(); } },
        input, h('button', { type: 'submit' }, 'Use token')));
    return;
  }
  mount(h('h1', {}, err.status === 404 ? 'Not found' : 'Error'),
    h('p', { class: 'error', 'data-testid': 'error' }, err.message));
}

function verdictChart(c) {
  return h('div', { class: 'chart' }, barChart(VERDICTS.map((v) => ({ label: v, value: c[v] || 0, cls: v })),
    { label: 'verdict counts', format: num }));
}

// ---- pages ----------------------------------------------------------------

async function datasetsPage() {
  const d = await api('/datasets');
  const rows = [];
  for (const ds of d.datasets) {
    const latest = ds.versions[ds.versions.length - 1];
    if (!latest) {
      rows.push(h('tr', {}, h('td', {}, ds.name), h('td', { colspan: 7, class: 'muted' }, 'no sealed version in the ledger')));
      continue;
    }
    for (const v of [...ds.versions].reverse()) {
      rows.push(h('tr', { 'data-testid': 'dataset-row' },
        h('td', {}, v === latest ? h('strong', {}, ds.name) : h('span', { class: 'muted' }, ds.name)),
        h('td', {}, h('a', { href: `#/dataset/${enc(ds.name)}/${enc(v.version)}`, 'data-testid': 'version-link' }, v.version)),
        h('td', {}, time(v.time)),
        h('td', { class: 'num' }, num(v.counts.in)), ...countsRow(v.counts),
        h('td', {}, certBadge(v.certificate))));
    }
  }
  page('Datasets',
    h('p', { class: 'muted' }, `Ledger tree size ${num(d.tree_size)}${asOf() ? ' (as of ' + asOf() + ')' : ''}.`),
    h('table', { 'data-testid': 'datasets' },
      h('thead', {}, h('tr', {}, h('th', {}, 'dataset'), h('th', {}, 'version'), h('th', {}, 'sealed'), h('th', { class: 'num' }, 'records'),
        ...VERDICTS.map((v) => h('th', { class: 'num' }, v)), h('th', {}, 'certificate'))),
      h('tbody', {}, rows)));
}

async function versionPage(ds, ver, q) {
  const depth = q.get('depth') || '2';
  const [d, g] = await Promise.all([
    api(`/datasets/${enc(ds)}/versions/${enc(ver)}`),
    api(`/datasets/${enc(ds)}/versions/${enc(ver)}/graph`, { depth }),
  ]);
  const L = d.ledger;
  const cert = L.certificates[L.certificates.length - 1];
  const depthSel = h('select', { id: 'depth', 'aria-label': 'graph depth', onchange: (ev) => { location.hash = `#/dataset/${enc(ds)}/${enc(ver)}?depth=${ev.target.value}`; } },
    ...[0, 1, 2, 3].map((n) => h('option', { value: n, selected: String(n) === depth }, `depth ${n}`)));
  const graph = h('div', { class: 'graph' }, renderGraph(g, (n) => {
    if (n.kind === 'source') location.hash = `#/source/${enc(n.label)}`;
    else if (n.kind === 'object') location.hash = `#/object?uri=${enc(n.uri)}`;
    else if (n.kind === 'version') location.hash = `#/dataset/${enc(n.dataset)}/${enc(n.version)}`;
    else if (n.kind === 'certificate') location.hash = `#/cert/${enc(n.dataset)}/${enc(n.version)}`;
    else if (n.kind === 'model') location.hash = modelHref(n.model, n.namespace);
  }));
  const others = [];
  const dsInfo = await api(`/datasets/${enc(ds)}`).catch(() => null);
  if (dsInfo) for (const v of dsInfo.versions) if (v.version !== ver) others.push(v.version);
  const m = d.manifest;
  mount(
    h('h1', {}, `${ds}@${ver} `, certBadge(cert)),
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, h('dl', { class: 'kv' },
        h('dt', {}, 'sealed'), h('dd', {}, `${time(L.time)} at leaf ${L.leaf}`),
        h('dt', {}, 'digest'), h('dd', { class: 'mono' }, L.digest),
        h('dt', {}, 'manifest'), h('dd', { class: 'mono' }, 'sha256:' + (L.manifest_sha256 || '—'), ' ',
          m ? badge(d.manifest_matches_ledger ? 'matches ledger' : 'differs from ledger', d.manifest_matches_ledger ? 'ok' : 'fail') : ''),
        h('dt', {}, 'policy'), h('dd', {}, m ? `${m.policy.id} ${m.policy.version}` : L.policy_id || ''),
        h('dt', {}, 'objects / sources'), h('dd', {}, `${L.objects} objects from ${L.sources.length} sources`),
        h('dt', {}, 'runs'), h('dd', {}, L.runs.map((r) => `${r.run_id} (${r.status || 'unfinished'})`).join(', ')),
        L.supersedes ? [h('dt', {}, 'supersedes'), h('dd', {}, h('a', { href: `#/dataset/${enc(ds)}/${enc(L.supersedes)}` }, L.supersedes))] : null,
        L.superseded_by ? [h('dt', {}, 'superseded by'), h('dd', {}, h('a', { href: `#/dataset/${enc(ds)}/${enc(L.superseded_by)}` }, L.superseded_by))] : null,
        h('dt', {}, 'certificate'), h('dd', {}, cert ? h('a', { href: `#/cert/${enc(ds)}/${enc(ver)}`, 'data-testid': 'cert-link' }, `${cert.status} (leaf ${cert.leaf}) — verify`) : 'none'),
        h('dt', {}, 'trained into'), h('dd', { 'data-testid': 'trained-into' }, (L.training_runs || []).length ? modelLinks(L.training_runs) : h('span', { class: 'muted' }, 'no training run reported')),
        others.length ? [h('dt', {}, 'compare'), h('dd', {}, ...others.map((o) => h('a', { href: `#/diff/${enc(ds)}?from=${enc(o)}&to=${enc(ver)}` }, `diff with ${o} `)))] : null)),
      h('div', { class: 'card' }, h('h2', {}, `Verdicts (${num(L.counts.in)} records in)`), verdictChart(L.counts))),
    h('h2', {}, 'Lineage graph'),
    h('div', { class: 'controls' }, depthSel,
      h('span', { class: 'muted' }, `${g.nodes.length} nodes, ${g.edges.length} edges${g.omitted_objects ? `, ${g.omitted_objects} objects not shown` : ''}. Click a node to open it.`)),
    graph,
    d.files_error ? h('p', { class: 'error' }, 'Version files: ' + d.files_error) : null,
    d.metrics.length ? metricsCard(d.metrics) : null,
    findingsSection(ds, ver, d.finding_counts, q),
    m ? rulesCard(m) : null);
}

function rulesCard(m) {
  return h('div', { class: 'card' }, h('h2', {}, 'Rules'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'rule'), h('th', {}, 'scope'), h('th', {}, 'result'), h('th', {}, 'measured'))),
      h('tbody', {}, (m.rules || []).map((r) => h('tr', {}, h('td', {}, r.rule_id), h('td', {}, r.scope || ''),
        h('td', {}, badge(r.pass ? 'pass' : 'fail'), r.gate ? ' gate' : ''), h('td', {}, r.detail))))));
}

function metricsCard(metrics) {
  const byMetric = new Map();
  for (const m of metrics) {
    if (!byMetric.has(m.metric)) byMetric.set(m.metric, []);
    byMetric.get(m.metric).push(m);
  }
  const fmt = (v) => (Number.isInteger(v) ? num(v) : v.toPrecision(3));
  const charts = [], scalars = [];
  for (const [name, rows] of byMetric) {
    if (rows.length === 1) {
      const r = rows[0];
      scalars.push(h('tr', {}, h('td', {}, name), h('td', {}, r.dimension || 'overall'), h('td', { class: 'num' }, fmt(r.value) + (r.error ? ` ±${+r.error.toPrecision(2)}` : ''))));
      continue;
    }
    charts.push(h('div', { class: 'chart' }, h('h3', {}, name),
      barChart(rows.map((r) => ({ label: r.dimension || 'overall', value: r.value, note: r.error ? `±${+r.error.toPrecision(2)}` : '' })),
        { label: name, format: fmt })));
  }
  return h('div', { class: 'card', 'data-testid': 'metrics' }, h('h2', {}, 'Metrics'), h('div', { class: 'grid2' }, charts),
    scalars.length ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'metric'), h('th', {}, 'dimension'), h('th', { class: 'num' }, 'value'))), h('tbody', {}, scalars)) : null);
}

function findingsSection(ds, ver, counts, q) {
  const rules = [...new Set(counts.map((c) => c.rule_id))].sort();
  const stages = [...new Set(counts.map((c) => c.stage))].sort();
  const f = { rule_id: q.get('rule_id') || '', stage: q.get('stage') || '', verdict: q.get('verdict') || '', source: q.get('source') || '' };
  const sel = (name, opts) => h('select', { name, 'aria-label': name, onchange: apply },
    h('option', { value: '' }, `any ${name.replace('_id', '')}`), ...opts.map((o) => h('option', { value: o, selected: o === f[name] }, o)));
  const srcInput = h('input', { name: 'source', placeholder: 'source id', value: f.source, onchange: apply });
  const form = h('div', { class: 'controls', 'data-testid': 'finding-filters' }, sel('rule_id', rules), sel('stage', stages), sel('verdict', VERDICTS), srcInput);
  function apply() {
    const p = new URLSearchParams();
    for (const el of form.querySelectorAll('select, input')) if (el.value) p.set(el.name, el.value);
    location.hash = `#/dataset/${enc(ds)}/${enc(ver)}?${p}`;
  }
  const tbody = h('tbody');
  const more = h('button', { class: 'secondary', type: 'button' }, 'Load more');
  const info = h('span', { class: 'muted' });
  let cursor = '', shown = 0;
  async function load() {
    const p = await api(`/datasets/${enc(ds)}/versions/${enc(ver)}/findings`, { ...f, limit: 50, cursor });
    for (const x of p.findings) {
      tbody.append(h('tr', { 'data-testid': 'finding' }, h('td', {}, x.rule_id), h('td', {}, x.stage), h('td', {}, badge(x.verdict, x.verdict === 'reject' ? 'fail' : x.verdict === 'admit' ? 'ok' : 'note')),
        h('td', {}, x.source || ''), h('td', { class: 'mono' }, x.locator || x.object || ''), h('td', {}, x.message)));
    }
    shown += p.findings.length;
    cursor = p.next_cursor || '';
    more.hidden = !cursor;
    info.textContent = `${shown} findings shown${cursor ? '' : ' (all)'}`;
  }
  more.addEventListener('click', load);
  load().catch((e) => { info.textContent = e.message; });
  const total = counts.reduce((a, c) => a + c.findings, 0);
  return h('div', { class: 'card' }, h('h2', {}, `Findings (${num(total)})`),
    counts.length ? h('div', { class: 'chart' }, barChart(counts.map((c) => ({ label: `${c.rule_id} (${c.stage})`, value: c.findings })), { label: 'findings by rule', format: num })) : null,
    form,
    h('table', { 'data-testid': 'findings' }, h('thead', {}, h('tr', {}, ...['rule', 'stage', 'verdict', 'source', 'where', 'message'].map((t) => h('th', {}, t)))), tbody),
    h('div', { class: 'controls' }, more, info));
}

// ---- models -----------------------------------------------------------------

function modelHref(name, ns) {
  return `#/model/${enc(name)}` + (ns ? `?namespace=${enc(ns)}` : '');
}

// modelLinks lists the outputs of training runs as links to their pages.
function modelLinks(runs) {
  const seen = new Set(), out = [];
  for (const r of runs) {
    for (const o of r.outputs) {
      const k = o.namespace + '\u0000' + o.name;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(h('a', { href: modelHref(o.name, o.namespace), 'data-testid': 'model-link' }, o.name), ` (${r.job_name}, ${r.state.toLowerCase()}) `);
    }
  }
  return out.length ? out : h('span', { class: 'muted' }, 'runs reported no output');
}

function modelList(models) {
  return models.length ? h('ul', {}, models.map((m) => h('li', {}, h('a', { href: modelHref(m.name, m.namespace) }, m.name), h('span', { class: 'muted' }, ' ' + m.namespace))))
    : h('p', { class: 'muted' }, 'No training run reported consuming these versions.');
}

async function modelsPage() {
  const d = await api('/models');
  page('Models',
    h('p', { class: 'muted' }, 'Outputs of the training runs that reported consuming prov dataset versions (OpenLineage events sent to prov serve --intake or prov lineage ingest).'),
    d.models.length ? h('ul', { 'data-testid': 'models' }, d.models.map((m) => h('li', {}, h('a', { href: modelHref(m) }, m))))
      : h('p', { class: 'muted' }, 'No model reported yet.'));
}

async function modelPage(name, q) {
  const ns = q.get('namespace') || '';
  const m = await api(`/models/${enc(name)}`, { namespace: ns });
  const bad = m.dataset_versions.filter((v) => v.certificate_status !== 'valid');
  page(`Model ${name}`,
    h('p', { class: 'muted' }, m.outputs.map((o) => `${o.namespace} ${o.name}`).join(', ')),
    m.affected_by.length ? h('div', { class: 'card', 'data-testid': 'model-affected' }, h('h2', { class: 'error' }, 'Trained on data that was revoked or withdrawn'),
      h('ul', {}, m.affected_by.map((a) => h('li', {}, `${a.cause_kind.replace('_', ' ')} at leaf ${a.cause} affects ${a.versions.join(', ')}`, a.reason ? ` (${a.reason})` : '', ` — marked at leaf ${a.leaf}`)))) : null,
    h('p', { 'data-testid': 'model-summary' }, `${m.training_runs.length} training runs, ${m.dataset_versions.length} dataset versions; `,
      bad.length ? h('strong', { class: 'error' }, `${bad.length} without a valid certificate`) : 'every certificate valid', '.'),
    h('h2', {}, 'Datasets behind the model'),
    h('table', { 'data-testid': 'model-datasets' },
      h('thead', {}, h('tr', {}, ...['dataset version', 'certificate', 'sources', 'objects', 'training runs'].map((t) => h('th', {}, t)))),
      h('tbody', {}, m.dataset_versions.map((v) => h('tr', { 'data-testid': 'model-dataset' },
        h('td', {}, v.resolved ? h('a', { href: `#/dataset/${enc(v.dataset)}/${enc(v.version)}` }, `${v.dataset}@${v.version}`) : `${v.dataset}@${v.version}`),
        h('td', {}, v.certificate ? h('a', { href: `#/cert/${enc(v.dataset)}/${enc(v.version)}` }, certBadge(v.certificate)) : badge(v.certificate_status === 'unresolved' ? 'not in the ledger' : 'no certificate', 'none')),
        h('td', {}, v.sources.map((s) => h('a', { href: `#/source/${enc(s)}` }, s + ' '))),
        h('td', { class: 'num' }, v.resolved ? num(v.objects) : ''),
        h('td', { class: 'mono' }, v.runs.join(', ')))))),
    h('h2', {}, 'Training runs'),
    h('table', {}, h('thead', {}, h('tr', {}, ...['job', 'run id', 'state', 'started', 'ended', 'producer'].map((t) => h('th', {}, t)))),
      h('tbody', {}, m.training_runs.map((r) => h('tr', {}, h('td', {}, `${r.job_namespace}/${r.job_name}`), h('td', { class: 'mono' }, r.run_id),
        h('td', {}, badge(r.state.toLowerCase(), r.state === 'COMPLETE' ? 'ok' : r.state === 'FAIL' || r.state === 'ABORT' ? 'fail' : 'note')),
        h('td', {}, time(r.started_at)), h('td', {}, time(r.ended_at)), h('td', { class: 'mono' }, r.producer))))));
}

async function sourcePage(src) {
  const im = await api(`/sources/${enc(src)}/impact`);
  page(`Source ${src}`,
    im.revoked_leaf !== undefined ? h('p', { class: 'error' }, `Revoked at leaf ${im.revoked_leaf}.`) : null,
    h('p', { 'data-testid': 'impact-summary' }, `${im.objects.length} objects, ${im.dataset_versions.length} dataset versions and ${im.certificates.length} certificates are built on this source.`),
    h('h2', {}, 'Dataset versions'),
    h('ul', {}, im.dataset_versions.map((v) => h('li', {}, h('a', { href: `#/dataset/${enc(v.dataset)}/${enc(v.version)}` }, `${v.dataset}@${v.version}`), ` (leaf ${v.leaf})`))),
    h('h2', {}, 'Certificates'),
    h('ul', {}, im.certificates.map((c) => h('li', {}, h('a', { href: `#/cert/${enc(c.dataset)}/${enc(c.version)}` }, `${c.dataset}@${c.version}`), ' ', certBadge(c)))),
    h('h2', {}, 'Models trained on these versions'),
    modelList(im.models || []),
    h('h2', {}, 'Objects'),
    h('ul', {}, im.objects.map((o) => h('li', {}, h('a', { href: `#/object?uri=${enc(o.uri)}`, class: 'mono' }, o.uri), ` (${o.dataset}, leaf ${o.leaf})`))));
}

async function objectPage(q) {
  const uri = q.get('uri');
  const o = await api('/objects', { uri });
  page('Object',
    h('p', { class: 'mono' }, o.uri),
    o.revoked_leaf !== undefined ? h('p', { class: 'error' }, `Revoked at leaf ${o.revoked_leaf}.`) : null,
    h('table', {}, h('thead', {}, h('tr', {}, ...['leaf', 'ingested', 'dataset', 'sources', 'records', ...VERDICTS, 'in versions'].map((t) => h('th', {}, t)))),
      h('tbody', {}, o.ingested.map((i) => h('tr', {}, h('td', {}, i.leaf), h('td', {}, time(i.time)), h('td', {}, i.dataset),
        h('td', {}, i.sources.map((s) => h('a', { href: `#/source/${enc(s)}` }, s + ' '))), h('td', { class: 'num' }, num(i.counts.in)), ...countsRow(i.counts),
        h('td', {}, i.dataset_versions.map((v) => h('a', { href: `#/dataset/${enc(v.dataset)}/${enc(v.version)}` }, `${v.version} `))))))));
}

async function diffPage(ds, q) {
  const from = q.get('from'), to = q.get('to');
  const d = await api(`/datasets/${enc(ds)}/diff`, { from, to });
  const list = (title, xs) => [h('h2', {}, `${title} (${xs.length})`), xs.length ? h('ul', {}, xs.map((u) => h('li', { class: 'mono' }, u))) : h('p', { class: 'muted' }, 'none')];
  page(`Diff ${ds}: ${from} → ${to}`,
    h('p', { 'data-testid': 'diff-summary' }, `Admitted records: +${num(d.records_added)} −${num(d.records_removed)}.`),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'version'), h('th', { class: 'num' }, 'in'), ...VERDICTS.map((v) => h('th', { class: 'num' }, v)))),
      h('tbody', {}, [[from, d.from_counts], [to, d.to_counts]].map(([v, c]) => h('tr', {}, h('td', {}, h('a', { href: `#/dataset/${enc(ds)}/${enc(v)}` }, v)), h('td', { class: 'num' }, num(c.in)), ...countsRow(c))))),
    ...list('Objects added', d.objects_added), ...list('Objects removed', d.objects_removed), ...list('Objects changed', d.objects_changed));
}

async function certPage(ds, ver) {
  let c = null, err = null;
  try { c = await api(`/datasets/${enc(ds)}/versions/${enc(ver)}/certificate`); } catch (e) { err = e; }
  const head = c ? h('div', { class: 'card' }, h('dl', { class: 'kv' },
    h('dt', {}, 'status in the ledger'), h('dd', {}, certBadge(c.latest), c.latest.reason ? ' ' + c.latest.reason : ''),
    h('dt', {}, 'issued'), h('dd', {}, `${time(c.latest.time)} at leaf ${c.latest.leaf}`),
    h('dt', {}, 'envelope'), h('dd', { class: 'mono' }, 'sha256:' + c.latest.envelope_sha256),
    h('dt', {}, 'bundle'), h('dd', {}, Object.entries(c.bundle).map(([name, href]) => h('a', { href, download: name }, name + ' '))))) :
    h('p', { class: 'muted' }, err ? err.message : '');
  page(`Certificate of ${ds}@${ver}`, head, verifier());
}

// verifier is the drop zone: the files go to the server, which runs the
// Go verification (levels 1-2 and revocation) and answers each check.
function verifier() {
  const out = h('div', { 'data-testid': 'verify-result' });
  const input = h('input', { type: 'file', multiple: true, id: 'bundle-files', 'aria-label': 'bundle files' });
  const zone = h('div', { class: 'drop', id: 'drop', 'data-testid': 'drop' },
    h('p', {}, h('strong', {}, 'Drop a certificate bundle here'), ' (', BUNDLE.join(', '), ')'),
    h('p', {}, 'or choose the files: ', input));
  async function send(files) {
    out.replaceChildren(h('p', { class: 'muted' }, 'Verifying…'));
    const fd = new FormData();
    for (const f of files) fd.append('file', f, f.name);
    try {
      const r = await call('POST', '/api/v1/verify', { body: fd });
      out.replaceChildren(report(r));
    } catch (e) {
      out.replaceChildren(h('p', { class: 'error', 'data-testid': 'verify-error' }, e.message));
    }
  }
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => { ev.preventDefault(); zone.classList.remove('over'); send([...ev.dataTransfer.files]); });
  input.addEventListener('change', () => send([...input.files]));
  return h('div', {}, h('h2', {}, 'Verify a bundle'),
    h('p', { class: 'muted' }, 'Verification runs on the server with the ledger\u2019s public key: level 1 (signature, statement, manifest digest), level 2 (inclusion proof against the signed checkpoint, consistency with the ledger, revocation status).'),
    zone, out);
}

function report(r) {
  return h('div', { class: 'card' },
    h('div', { class: 'result ' + (r.ok ? 'ok' : 'fail'), 'data-testid': 'verify-verdict' }, r.ok ? 'PASS: the certificate verifies' : 'FAIL: ' + (r.error || 'verification failed')),
    r.subject ? h('p', {}, 'Subject ', h('code', {}, r.subject), r.status ? [' — ledger status ', badge(r.status)] : '') : null,
    h('p', { class: 'muted' }, `Files: ${r.files.join(', ')}; key: ${r.key_source === 'ledger' ? 'the ledger\u2019s public key' : 'the bundle\u2019s own pubkey.pem'}.`),
    h('table', { 'data-testid': 'levels' }, h('tbody', {}, r.levels.map((l) => h('tr', { 'data-level': l.level },
      h('td', {}, `Level ${l.level}`), h('td', {}, l.name), h('td', {}, badge(l.result.replace('_', ' '), l.result)))))),
    h('ul', { class: 'checks' }, r.checks.map((c) => h('li', {}, badge(c.note ? 'note' : c.ok ? 'ok' : 'fail'), ` [${c.level}] `, h('strong', {}, c.part), ': ', c.message))));
}

function verifyPage() {
  page('Verify a certificate', verifier());
}

function subjectsPage() {
  const kind = h('select', { name: 'kind', 'aria-label': 'identifier kind' }, ...['email', 'phone', 'id_number', 'subject_id'].map((k) => h('option', { value: k }, k)));
  const value = h('input', { name: 'value', type: 'password', autocomplete: 'off', placeholder: 'identifier (sent in the request body, hashed on the server)', size: 48 });
  const out = h('div', { 'data-testid': 'subject-result' });
  const form = h('form', { class: 'controls' }, kind, value, h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    out.replaceChildren(h('p', { class: 'muted' }, 'Searching…'));
    try {
      const r = await call('POST', '/api/v1/subjects', { json: { kind: kind.value, value: value.value, as_of: asOf() || undefined } });
      const s = r.subject;
      out.replaceChildren(h('div', { class: 'card' },
        h('p', {}, `Keyed hash `, h('code', {}, s.subject), `: ${s.records.length} records in ${s.dataset_versions.length} dataset versions.`),
        s.consent_withdrawn.length ? h('p', { class: 'error' }, `Consent withdrawn at leaves ${s.consent_withdrawn.join(', ')}.`) : null,
        h('h2', {}, 'Dataset versions holding the subject\u2019s records'),
        h('ul', {}, s.dataset_versions.map((v) => h('li', {}, h('a', { href: `#/dataset/${enc(v.dataset)}/${enc(v.version)}` }, `${v.dataset}@${v.version}`)))),
        h('h2', {}, 'Models trained on those versions'),
        modelList(s.models || []),
        h('h2', {}, 'Records'),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'record digest'), h('th', {}, 'where'), h('th', {}, 'verdict'))),
          h('tbody', {}, s.records.flatMap((rec) => rec.occurrences.map((o) => h('tr', {}, h('td', { class: 'mono' }, rec.digest.slice(0, 16) + '…'),
            h('td', { class: 'mono' }, `${o.object}:${o.line}`), h('td', {}, o.verdict))))))));
    } catch (e) {
      out.replaceChildren(h('p', { class: e.status === 404 ? 'muted' : 'error' }, e.status === 404 ? 'No record of this subject in the ledger.' : e.message));
    }
  });
  page('Subject search (erasure requests)',
    h('p', { class: 'muted' }, 'The identifier travels in a POST body, is normalised and keyed-hashed on the server and never appears in a URL or a log.'),
    form, out);
}

async function ledgerPage() {
  const [latest, cps] = await Promise.all([api('/checkpoints/latest').catch(() => null), api('/checkpoints')]);
  page('Ledger',
    latest ? h('div', { class: 'card' }, h('h2', {}, 'Latest signed checkpoint'), h('pre', { class: 'mono' }, latest.note)) : h('p', { class: 'muted' }, 'No checkpoint yet.'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'tree size'), h('th', {}, 'root'), h('th', {}, 'signature'))),
      h('tbody', {}, cps.checkpoints.map((c) => h('tr', {}, h('td', {}, num(c.tree_size)), h('td', { class: 'mono' }, c.root), h('td', {}, c.verified ? badge('verified', 'ok') : badge('not checked', 'none')))))));
}

// ---- router ---------------------------------------------------------------

async function route() {
  const [path, query] = (location.hash.slice(1) || '/').split('?');
  const q = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === (parts[0] || 'datasets'));
  try {
    switch (parts[0]) {
      case undefined: await datasetsPage(); break;
      case 'dataset': await versionPage(parts[1], parts[2], q); break;
      case 'source': await sourcePage(parts[1]); break;
      case 'object': await objectPage(q); break;
      case 'diff': await diffPage(parts[1], q); break;
      case 'cert': await certPage(parts[1], parts[2]); break;
      case 'verify': verifyPage(); break;
      case 'subjects': subjectsPage(); break;
      case 'models': await modelsPage(); break;
      case 'model': await modelPage(parts[1], q); break;
      case 'ledger': await ledgerPage(); break;
      default: throw new APIError(404, 'no such page');
    }
    document.body.dataset.ready = location.hash;
  } catch (e) {
    showError(e);
    document.body.dataset.ready = location.hash;
  }
}

const asofInput = document.getElementById('asof-input');
asofInput.value = asOf();
document.getElementById('asof').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem('as_of', asofInput.value.trim());
  route();
});
window.addEventListener('hashchange', route);
route();
