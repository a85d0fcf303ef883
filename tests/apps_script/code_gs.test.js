// The Sheet's menu (apps_script/Code.gs) against a real worker process.
//
//   node --test tests/apps_script/code_gs.test.js      (pytest runs it: tests/test_worker_apps_script.py)
//
// The worker is `python -m sheetsbot.worker --fake-runs` on 127.0.0.1, port 0: everything is
// real but the run itself. Code.gs runs unchanged inside stand-ins of SpreadsheetApp,
// PropertiesService, Utilities and UrlFetchApp (see standins.js). SHEETSBOT_PYTHON names the
// interpreter (default: python3).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const { spawn } = require('node:child_process');
const { loadCodeGs } = require('./standins');

const REPO = path.resolve(__dirname, '..', '..');
const PYTHON = process.env.SHEETSBOT_PYTHON || 'python3';
const SECRET = 'menu-test-' + crypto.randomBytes(16).toString('hex');
const SHEET = 'sheet-under-test';

const workers = [];

async function startWorker({ fakeRuns = 0.3, fail = 0 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sheetsbot-menu-'));
  const config = path.join(dir, 'sheetsbot.yaml');
  fs.writeFileSync(config, [
    'store: {time_zone: Europe/Berlin}',
    `google: {spreadsheet_id: ${SHEET}}`,
    'worker:',
    '  weekly: null',
    '  monthly_at: null',
    '  poll_minutes: 0',
    '  rate_limit: {requests: 100, per_seconds: 60}',
    '  shutdown_grace_seconds: 1',
    '',
  ].join('\n'));
  const logFile = path.join(dir, 'worker.log');
  const log = fs.openSync(logFile, 'w');
  const proc = spawn(PYTHON, ['-m', 'sheetsbot.worker', '--config', config, '--host', '127.0.0.1', '--port', '0',
    '--fake-runs', String(fakeRuns), '--fake-fail', String(fail), '--log-format', 'json'], {
    cwd: REPO,
    env: Object.assign({}, process.env, { SHEETSBOT_WEBHOOK_SECRET: SECRET }),
    stdio: ['ignore', 'pipe', log],
  });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the worker did not start: ' + fs.readFileSync(logFile, 'utf8'))), 20000);
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(line).url);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited (${code}): ${fs.readFileSync(logFile, 'utf8')}`));
    });
  });
  const worker = { url, proc, logFile, exited: new Promise((resolve) => proc.on('exit', resolve)) };
  workers.push(worker);
  return worker;
}

test.after(async () => {
  for (const w of workers) {
    if (w.proc.exitCode === null) w.proc.kill('SIGTERM');
    await w.exited;
  }
});

function signedGet(url, pathAndQuery) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = 'sha256=' + crypto.createHmac('sha256', SECRET).update(timestamp + '.').digest('hex');
  return new Promise((resolve, reject) => {
    http.get(url + pathAndQuery, { headers: { 'X-Sheetsbot-Timestamp': timestamp, 'X-Sheetsbot-Signature': signature } }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ code: res.statusCode, json: JSON.parse(body) }));
    }).on('error', reject);
  });
}

function menu(worker, extra = {}) {
  const gs = loadCodeGs(Object.assign({
    properties: { SHEETSBOT_URL: worker ? worker.url + '/' : '', SHEETSBOT_SECRET: SECRET },
    sheetId: SHEET,
  }, extra));
  gs.context.SHEETSBOT.POLL_INTERVAL_MS = 100; // real sleeps, shorter than in a Sheet
  return gs;
}

test('the manifest declares the scopes and the URL allow-list', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'apps_script', 'appsscript.json'), 'utf8'));
  assert.equal(manifest.runtimeVersion, 'V8');
  assert.deepEqual([...manifest.oauthScopes].sort(), [
    'https://www.googleapis.com/auth/script.container.ui',
    'https://www.googleapis.com/auth/script.external_request',
    'https://www.googleapis.com/auth/spreadsheets.currentonly',
  ]);
  for (const prefix of manifest.urlFetchWhitelist) assert.match(prefix, /^https:\/\/[^/]+\/.*/);
  const clasp = JSON.parse(fs.readFileSync(path.join(REPO, 'apps_script', '.clasp.json.example'), 'utf8'));
  assert.equal(clasp.rootDir, '.');
});

test('onOpen adds the sheetsbot menu without any authorized call', () => {
  const gs = menu(null);
  gs.run('onOpen', { auth: 'LIMITED', event: { authMode: 'LIMITED' } });
  assert.deepEqual(gs.record.menus, [{
    name: 'sheetsbot',
    items: [
      { caption: 'Refresh now', functionName: 'sheetsbotRefresh' },
      { caption: 'Regenerate tasks', functionName: 'sheetsbotRegenerateTasks' },
      { caption: 'Show last run', functionName: 'sheetsbotShowLastRun' },
    ],
  }]);
  for (const item of gs.record.menus[0].items) assert.equal(typeof gs.context[item.functionName], 'function');
  assert.equal(gs.record.exchanges.length, 0);
});

test('signed bytes become hex correctly (the classic bug an unsigned Buffer would hide)', () => {
  const gs = menu(null);
  assert.equal(gs.context.toHex_([-128, -1, 0, 15, 127, -16]), '80ff000f7ff0');
  const signed = gs.context.Utilities.computeHmacSha256Signature('1763880000.{}', SECRET, gs.context.Utilities.Charset.UTF_8);
  assert.ok(signed.some((b) => b < 0), 'the stand-in hands out negative bytes, as Apps Script does');
  assert.equal(gs.context.toHex_(signed), crypto.createHmac('sha256', SECRET).update('1763880000.{}').digest('hex'));
});

test('with the Script Properties missing, the menu says how to set it up', () => {
  const gs = loadCodeGs({ properties: {} });
  gs.run('sheetsbotRefresh');
  assert.equal(gs.record.exchanges.length, 0);
  assert.equal(gs.record.alerts.length, 1);
  assert.match(gs.record.alerts[0].message, /SHEETSBOT_URL .* SHEETSBOT_SECRET/s);
});

test('menu items against a real worker', async (t) => {
  const worker = await startWorker({ fakeRuns: 0.3 });

  await t.test('Show last run before any run', () => {
    const gs = menu(worker);
    gs.run('sheetsbotShowLastRun');
    assert.equal(gs.record.exchanges[0].code, 404);
    assert.equal(gs.record.alerts[0].title, 'sheetsbot: Last run');
    assert.equal(gs.record.alerts[0].message,
      'The worker has not run since it last started. The Run log tab lists the earlier runs.');
  });

  await t.test('Refresh now: the signature is accepted, the toasts say what happened', () => {
    const gs = menu(worker);
    gs.run('sheetsbotRefresh');
    const [post, ...gets] = gs.record.exchanges;
    assert.equal(post.method, 'POST');
    assert.equal(post.url, worker.url + '/v1/trigger');
    assert.equal(post.code, 202, post.body);
    assert.match(post.headers['X-Sheetsbot-Signature'], /^sha256=[0-9a-f]{64}$/);
    assert.ok(gs.record.digests[0].some((b) => b < 0), 'this signature had bytes above 127');
    assert.ok(gets.length >= 1 && gets.every((g) => g.method === 'GET' && g.code === 200));
    assert.deepEqual(gs.record.alerts, []);
    assert.equal(gs.record.toasts.length, 2);
    assert.deepEqual(gs.record.toasts[0], { message: 'Refreshing the Sheet with the latest exports…', title: 'sheetsbot', timeoutSeconds: 30 });
    assert.match(gs.record.toasts[1].message,
      /^Done\. Week \d{4}-W\d{2} refreshed\. 1 new export read \(11 already in the Sheet\)\. 2 KPIs in red\. 2 new tasks, 9 open\.$/);
    assert.equal(gs.record.toasts[1].title, 'sheetsbot');
  });

  await t.test('Regenerate tasks', () => {
    const gs = menu(worker);
    gs.run('sheetsbotRegenerateTasks');
    assert.equal(gs.record.exchanges[0].code, 202);
    assert.deepEqual(gs.record.toasts.map((x) => x.message.split('.')[0]), ['Regenerating the tasks…', 'Done']);
    assert.match(gs.record.toasts[1].message, /tasks regenerated/);
  });

  await t.test('Show last run after a run', async () => {
    const gs = menu(worker);
    gs.run('sheetsbotShowLastRun');
    assert.equal(gs.record.exchanges[0].code, 200);
    assert.match(gs.record.alerts[0].message,
      /^Finished at \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(started by Regenerate tasks\)\. Week \d{4}-W\d{2} tasks regenerated\./);
  });

  await t.test('a body changed after signing is rejected, and no run starts', async () => {
    const before = await signedGet(worker.url, '/v1/runs/latest');
    const gs = menu(worker, {
      beforeSend(request) {
        if (request.method === 'POST') request.body = Buffer.from(request.body.toString().replace('"refresh"', '"monthly"'));
        return request;
      },
    });
    gs.run('sheetsbotRefresh');
    assert.equal(gs.record.exchanges.length, 1);
    assert.equal(gs.record.exchanges[0].code, 401);
    assert.deepEqual(gs.record.toasts, []);
    assert.equal(gs.record.alerts[0].title, 'sheetsbot: The request was not accepted');
    assert.match(gs.record.alerts[0].message, /^The worker refused the request: the signature does not match.*SHEETSBOT_SECRET/);
    const after = await signedGet(worker.url, '/v1/runs/latest');
    assert.equal(after.json.run_id, before.json.run_id);
  });

  await t.test('two editors clicking in the same second both get their refresh', () => {
    let first = null;
    const a = menu(worker, { beforeSend(r) { if (r.method === 'POST') first = { headers: Object.assign({}, r.headers), body: r.body }; return r; } });
    a.run('sheetsbotRefresh');
    let copied = false;
    const b = menu(worker, {
      beforeSend(r) {
        if (r.method === 'POST' && !copied) { // the very same signed request as the first editor's
          copied = true;
          return Object.assign({}, r, { headers: first.headers, body: first.body });
        }
        return r;
      },
    });
    b.run('sheetsbotRefresh');
    assert.deepEqual(b.record.exchanges.filter((x) => x.method === 'POST').map((x) => x.code), [409, 202]);
    assert.deepEqual(b.record.alerts, []);
    assert.match(b.record.toasts[1].message, /^Done\. /);
  });

  await t.test('a wrong secret is rejected with words that say what to check', () => {
    const gs = menu(worker, { properties: { SHEETSBOT_URL: worker.url, SHEETSBOT_SECRET: 'not-the-secret-of-this-worker' } });
    gs.run('sheetsbotRefresh');
    assert.equal(gs.record.exchanges[0].code, 401);
    assert.match(gs.record.alerts[0].message, /Check that SHEETSBOT_SECRET in Script Properties is the worker's webhook secret\./);
  });

  await t.test('another Sheet with the same secret gets a clear 404', () => {
    const gs = menu(worker, { sheetId: 'some-other-sheet' });
    gs.run('sheetsbotRefresh');
    assert.equal(gs.record.exchanges[0].code, 404);
    assert.match(gs.record.alerts[0].message, /does not keep this Sheet up to date/);
  });

  await t.test('the worker log holds no secret and no signature', () => {
    const log = fs.readFileSync(worker.logFile, 'utf8');
    assert.ok(log.length > 0);
    assert.ok(!log.includes(SECRET));
    assert.ok(!/sha256=[0-9a-f]{8}/.test(log));
    for (const line of log.trim().split('\n')) JSON.parse(line); // JSON lines
  });
});

test('a failed run is shown in a dialog, in plain words', async () => {
  const worker = await startWorker({ fakeRuns: 0.1, fail: 1 });
  const gs = menu(worker);
  gs.run('sheetsbotRefresh');
  assert.equal(gs.record.toasts.length, 1);
  assert.deepEqual(gs.record.alerts, [{
    title: 'sheetsbot: The run did not finish',
    message: 'The refresh failed: the Sheet is not shared with the service account',
  }]);
});

test('an unreachable worker is reported, not thrown', () => {
  const gs = loadCodeGs({ properties: { SHEETSBOT_URL: 'http://127.0.0.1:9', SHEETSBOT_SECRET: SECRET } });
  gs.run('sheetsbotRefresh');
  assert.equal(gs.record.alerts.length, 1);
  assert.match(gs.record.alerts[0].message, /^Could not reach the sheetsbot worker at http:\/\/127\.0\.0\.1:9 \(Exception: Address unavailable/);
});

test('a plain http URL on the internet is refused before anything is sent', () => {
  const gs = loadCodeGs({ properties: { SHEETSBOT_URL: 'http://sheetsbot.example.com', SHEETSBOT_SECRET: SECRET } });
  gs.run('sheetsbotRefresh');
  assert.equal(gs.record.exchanges.length, 0);
  assert.match(gs.record.alerts[0].message, /must start with https:\/\//);
});
