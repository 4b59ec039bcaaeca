// End-to-end browser test of `prov serve`: headless Chromium (Debian's
// /usr/bin/chromium) driven by playwright-core. run.sh prepares the demo
// ledger and output (PROV_BIN, PROV_CONFIG, PROV_OUT) and runs this file
// with node's test runner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
// Screenshots go to out/screenshots (ignored by git), never over the tracked
// docs/screenshots: `make screenshots` copies them there on purpose.
const shots = process.env.PROV_SCREENSHOTS || join(here, '..', 'out', 'screenshots');
const bin = must('PROV_BIN'), config = must('PROV_CONFIG'), out = must('PROV_OUT');
const DATASET = 'chat-zh-en';
const BUNDLE = ['certificate.dsse.json', 'proof.json', 'manifest.json', 'pubkey.pem'];
const TIMEOUT = 15000;

function must(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run ui-tests/run.sh`);
  return v;
}

let server, base, browser, page, userDir;
const consoleErrors = [];

// startServer runs `prov serve` on a free loopback port and resolves with
// its URL once it accepts connections.
function startServer() {
  return new Promise((resolve, reject) => {
    server = spawn(bin, ['-c', config, 'serve', '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const timer = setTimeout(() => reject(new Error('prov serve did not start in 15 s')), TIMEOUT);
    server.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.stderr.on('data', (d) => { if (process.env.VERBOSE) process.stderr.write(d); });
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`prov serve exited with ${code}`)); });
  });
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  base = await startServer();
  userDir = mkdtempSync(join(tmpdir(), 'prov-chromium-'));
  // A fresh profile directory (Playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(userDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(TIMEOUT);
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (userDir) rmSync(userDir, { recursive: true, force: true });
});

// shot saves a full-page screenshot, cut at maxHeight pixels.
async function shot(name, maxHeight = 2000) {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({ path: join(shots, name + '.png'), fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height: Math.min(height, maxHeight) } });
}

// ready waits until the page has rendered the route of the current hash.
async function ready() {
  await page.waitForFunction(() => document.body.dataset.ready === location.hash);
}

function version() {
  const dirs = readdirSync(join(out, DATASET));
  assert.equal(dirs.length, 1, `one version of ${DATASET} in ${out}`);
  return dirs[0];
}

function bundleFiles(tamper) {
  return BUNDLE.map((name) => {
    let b = readFileSync(join(out, DATASET, version(), name));
    if (tamper && name === 'manifest.json') {
      b = Buffer.from(b);
      const i = b.indexOf('"records"') + 2; // one byte of a key: still JSON, another digest
      b[i] = b[i] === 0x65 ? 0x45 : 0x65;
    }
    return { name, b64: b.toString('base64') };
  });
}

// drop dispatches a real drop event carrying the files on the drop zone.
async function drop(files) {
  const dt = await page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    return dt;
  }, files);
  await page.locator('[data-testid=verify-result]').evaluate((el) => el.replaceChildren());
  await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
  const verdict = page.locator('[data-testid=verify-verdict]');
  await verdict.waitFor();
  return verdict.textContent();
}

test('dataset list shows every dataset with its certificate status', async () => {
  await page.goto(base);
  await page.locator('[data-testid=datasets]').waitFor();
  const rows = page.locator('[data-testid=dataset-row]');
  assert.ok(await rows.count() >= 2, 'at least two dataset versions listed');
  const text = await page.locator('[data-testid=datasets]').textContent();
  assert.match(text, new RegExp(DATASET));
  assert.match(text, /valid/, 'a certificate status is shown');
  await shot('datasets');
});

test('a dataset version shows counts, the lineage graph and findings', async () => {
  await page.locator(`a[href="#/dataset/${DATASET}/${version()}"]`).click();
  await ready();
  await page.locator('[data-testid=graph]').waitFor();
  assert.ok(await page.locator('g.node.object').count() >= 1, 'object nodes drawn');
  assert.ok(await page.locator('g.node.source').count() >= 1, 'source nodes drawn at the default depth');
  assert.equal(await page.locator('g.node.certificate').count(), 1, 'the certificate node');
  await page.locator('[data-testid=finding]').first().waitFor();
  await page.selectOption('#depth', '3');
  await ready();
  await page.locator('g.node.source').first().waitFor();
  await shot('version');
});

test('findings filter by verdict', async () => {
  await page.selectOption('[data-testid=finding-filters] select[name=verdict]', 'reject');
  await ready();
  await page.locator('[data-testid=finding]').first().waitFor();
  const verdicts = await page.locator('[data-testid=finding] td:nth-child(3)').allTextContents();
  assert.ok(verdicts.length > 0);
  assert.deepEqual([...new Set(verdicts)], ['reject']);
});

test('following the graph to a source opens its impact', async () => {
  await page.goto(`${base}#/dataset/${DATASET}/${version()}?depth=2`);
  await ready();
  const src = page.locator('g.node.source[data-id="source:oss-wiki-zh"]');
  await src.click();
  await ready();
  assert.match(page.url(), /#\/source\/oss-wiki-zh$/);
  const summary = await page.locator('[data-testid=impact-summary]').textContent();
  assert.match(summary, /1 dataset versions/);
  assert.match(await page.locator('main').textContent(), new RegExp(`${DATASET}@${version()}`));
  await shot('source');
});

test('a model trained on the version: node in the graph, model page with its datasets and certificate status', async () => {
  await page.goto(`${base}#/dataset/${DATASET}/${version()}?depth=1`);
  await ready();
  const node = page.locator('g.node.model[data-id="model:s3://acme-models/chat-assistant-7b"]');
  await node.waitFor();
  assert.match(await page.locator('[data-testid=trained-into]').textContent(), /chat-assistant-7b/);
  await node.click();
  await ready();
  assert.match(page.url(), /#\/model\/chat-assistant-7b\?namespace=s3%3A%2F%2Facme-models$/);
  const rows = page.locator('[data-testid=model-dataset]');
  assert.equal(await rows.count(), 1, 'one dataset version behind the model');
  const row = await rows.first().textContent();
  assert.match(row, new RegExp(`${DATASET}@${version()}`));
  assert.match(row, /valid/, 'the certificate status is shown');
  assert.match(row, /oss-wiki-zh/, 'the sources are shown');
  assert.match(await page.locator('[data-testid=model-summary]').textContent(), /1 training runs, 1 dataset versions; every certificate valid/);
  assert.match(await page.locator('main').textContent(), /complete/);
  await shot('model');
  // The dataset link leads back to the version.
  await page.locator(`[data-testid=model-dataset] a[href="#/dataset/${DATASET}/${version()}"]`).click();
  await ready();
  assert.match(page.url(), new RegExp(`#/dataset/${DATASET}/`));
  // The models list links to the model page.
  await page.goto(`${base}#/models`);
  await ready();
  assert.match(await page.locator('[data-testid=models]').textContent(), /chat-assistant-7b/);
});

test('a tampered bundle fails verification, the genuine one passes', async () => {
  await page.goto(`${base}#/dataset/${DATASET}/${version()}`);
  await ready();
  await page.locator('[data-testid=cert-link]').click();
  await ready();
  await page.locator('#drop').waitFor();

  const bad = await drop(bundleFiles(true));
  assert.match(bad, /^FAIL/);
  assert.match(await page.locator('[data-testid=levels] tr[data-level="1"]').textContent(), /fail/);
  assert.match(await page.locator('[data-testid=verify-result]').textContent(), /manifest/);
  await shot('certificate-tampered');

  const good = await drop(bundleFiles(false));
  assert.match(good, /^PASS/);
  assert.match(await page.locator('[data-testid=levels] tr[data-level="1"]').textContent(), /pass/);
  assert.match(await page.locator('[data-testid=levels] tr[data-level="2"]').textContent(), /pass/);
  await shot('certificate-verified');
});

test('subject search posts the identifier and never puts it in the URL', async () => {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(`${base}#/subjects`);
  await ready();
  await page.selectOption('select[name=kind]', 'subject_id');
  await page.fill('input[name=value]', 'u1001');
  await page.click('form button[type=submit]');
  await page.locator('[data-testid=subject-result] .card').waitFor();
  assert.match(await page.locator('[data-testid=subject-result]').textContent(), /Keyed hash/);
  assert.ok(!urls.some((u) => u.includes('u1001')), 'the identifier appeared in a URL');
  await shot('subject-search');
});

test('ledger page and no console errors', async () => {
  await page.goto(`${base}#/ledger`);
  await ready();
  assert.match(await page.locator('main').textContent(), /Latest signed checkpoint/);
  assert.deepEqual(consoleErrors, []);
});
