/**
 * The "sheetsbot" menu of the team's Sheet: Refresh now, Regenerate tasks, Show last run.
 *
 * Bound to the Sheet (Extensions > Apps Script). Each item sends a signed request to the
 * sheetsbot worker and shows the outcome in plain words. Two Script Properties
 * (Project Settings > Script Properties) say where the worker is and how to sign:
 *
 *   SHEETSBOT_URL     https://sheetsbot.example.com   (the worker's public HTTPS address)
 *   SHEETSBOT_SECRET  the worker's webhook secret     (SHEETSBOT_WEBHOOK_SECRET there)
 *
 * Every editor of this Sheet can read Script Properties, so the secret only lets people who
 * can already edit the Sheet ask the worker to refresh it; it opens nothing else.
 *
 * Signing, as the worker checks it: X-Sheetsbot-Timestamp is the time in unix seconds;
 * X-Sheetsbot-Signature is "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)),
 * with an empty body for a GET.
 */

var SHEETSBOT = {
  TITLE: 'sheetsbot',
  /** How often, and for how long, a menu item asks the worker whether its run is done. */
  POLL_INTERVAL_MS: 3000,
  POLL_LIMIT_MS: 150000,
  STARTED: {
    refresh: 'Refreshing the Sheet with the latest exports…',
    tasks: 'Regenerating the tasks…',
  },
};

/** A simple trigger: it runs without authorization, so it only builds the menu. */
function onOpen(e) {
  SpreadsheetApp.getUi()
    .createMenu('sheetsbot')
    .addItem('Refresh now', 'sheetsbotRefresh')
    .addItem('Regenerate tasks', 'sheetsbotRegenerateTasks')
    .addItem('Show last run', 'sheetsbotShowLastRun')
    .addToUi();
}

function sheetsbotRefresh() {
  startRun_('refresh');
}

function sheetsbotRegenerateTasks() {
  startRun_('tasks');
}

function sheetsbotShowLastRun() {
  var worker = workerSettings_();
  if (!worker) return;
  var sheetId = SpreadsheetApp.getActiveSpreadsheet().getId();
  var answer = call_(worker, 'get', '/v1/runs/latest?spreadsheet_id=' + encodeURIComponent(sheetId), '');
  if (answer.code === 404 && answer.json && answer.json.error === 'unknown_run') {
    alert_('Last run', 'The worker has not run since it last started. The Run log tab lists the earlier runs.');
  } else if (answer.code === 200 && answer.json) {
    alert_('Last run', describeRun_(answer.json));
  } else {
    alert_('Could not get the last run', problem_(answer, worker));
  }
}

/** Ask for a run, then wait for it and say how it went. */
function startRun_(action) {
  var worker = workerSettings_();
  if (!worker) return;
  var sheetId = SpreadsheetApp.getActiveSpreadsheet().getId();
  var body = JSON.stringify({ action: action, spreadsheet_id: sheetId });
  var answer = call_(worker, 'post', '/v1/trigger', body);
  if (answer.code === 409) {
    // Another editor sent the very same request in the same second (same body, same timestamp,
    // so the same signature): the worker took it as a replay. A new second makes it new.
    Utilities.sleep(1100);
    answer = call_(worker, 'post', '/v1/trigger', body);
  }
  if (answer.code !== 202 || !answer.json || !answer.json.run_id) {
    alert_('The request was not accepted', problem_(answer, worker));
    return;
  }
  toast_(SHEETSBOT.STARTED[action] || 'Working…', 30);
  var run = waitForRun_(worker, answer.json.run_id);
  if (!run) {
    toast_('Still working. Use sheetsbot > Show last run in a minute to see how it went.', 15);
  } else if (run.status === 'succeeded') {
    toast_('Done. ' + run.message, 15);
  } else {
    alert_('The run did not finish', run.message || ('The run ended as ' + run.status + '.'));
  }
}

function waitForRun_(worker, runId) {
  var deadline = Date.now() + SHEETSBOT.POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    Utilities.sleep(SHEETSBOT.POLL_INTERVAL_MS);
    var answer = call_(worker, 'get', '/v1/runs/' + encodeURIComponent(runId), '');
    if (answer.code !== 200 || !answer.json) return null;
    var status = answer.json.status;
    if (status === 'succeeded' || status === 'failed' || status === 'abandoned') return answer.json;
  }
  return null;
}

/** Script Properties, checked; null (after telling the person what to do) when missing. */
function workerSettings_() {
  var props = PropertiesService.getScriptProperties();
  var url = String(props.getProperty('SHEETSBOT_URL') || '').trim().replace(/\/+$/, '');
  var secret = String(props.getProperty('SHEETSBOT_SECRET') || '');
  if (!url || !secret) {
    alert_('sheetsbot is not set up',
      'This Sheet does not know where its sheetsbot worker is. Whoever installed sheetsbot adds two ' +
      'Script Properties under Extensions > Apps Script > Project Settings: SHEETSBOT_URL (the ' +
      "worker's https:// address) and SHEETSBOT_SECRET (its webhook secret).");
    return null;
  }
  // Google's servers make the request, so the worker must be on the internet, over HTTPS.
  if (!/^https:\/\//i.test(url) && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/i.test(url)) {
    alert_('sheetsbot is not set up', 'SHEETSBOT_URL must start with https:// (it is ' + url + ').');
    return null;
  }
  return { url: url, secret: secret };
}

/** One signed request; never throws. Returns {code, json, text}; code 0 when nothing answered. */
function call_(worker, method, path, body) {
  var timestamp = String(Math.floor(Date.now() / 1000));
  var mac = Utilities.computeHmacSha256Signature(timestamp + '.' + body, worker.secret, Utilities.Charset.UTF_8);
  var options = {
    method: method,
    muteHttpExceptions: true,
    followRedirects: false,
    headers: {
      'X-Sheetsbot-Timestamp': timestamp,
      'X-Sheetsbot-Signature': 'sha256=' + toHex_(mac),
    },
  };
  if (method === 'post') {
    options.contentType = 'application/json';
    options.payload = body;
  }
  var response;
  try {
    response = UrlFetchApp.fetch(worker.url + path, options);
  } catch (err) {
    return { code: 0, json: null, text: String((err && err.message) || err) };
  }
  var text = response.getContentText();
  var json = null;
  try {
    json = JSON.parse(text);
  } catch (ignored) {
    json = null;
  }
  return { code: response.getResponseCode(), json: json, text: text };
}

/**
 * Apps Script's digests are arrays of *signed* bytes (-128…127): -1 is ff, not "-1".
 * (b & 0xff) makes each one 0…255 before it becomes two hex digits.
 */
function toHex_(bytes) {
  var out = '';
  for (var i = 0; i < bytes.length; i++) {
    var hex = (bytes[i] & 0xff).toString(16);
    out += hex.length === 1 ? '0' + hex : hex;
  }
  return out;
}

/** What went wrong with a request, in words a team member can act on. */
function problem_(answer, worker) {
  var said = answer.json && answer.json.message ? answer.json.message : '';
  switch (answer.code) {
    case 0:
      return 'Could not reach the sheetsbot worker at ' + worker.url + ' (' + answer.text + '). ' +
        'Is it running, and is SHEETSBOT_URL right?';
    case 401:
      return 'The worker refused the request: ' + said + '. Check that SHEETSBOT_SECRET in Script ' +
        "Properties is the worker's webhook secret.";
    case 404:
      return answer.json && answer.json.error === 'unknown_spreadsheet'
        ? 'The worker does not keep this Sheet up to date: its configuration names another spreadsheet.'
        : 'The worker does not know this request (' + (said || 'not found') + '). Is SHEETSBOT_URL the worker itself?';
    case 409:
      return 'The worker received this request twice. Please try again.';
    case 429:
      return 'Too many requests in a short time: ' + said + '.';
    case 503:
      return 'The worker cannot take requests right now: ' + said + '.';
    default:
      return 'The worker answered ' + answer.code + ': ' + (said || answer.text.slice(0, 200));
  }
}

var TRIGGER_WORDS_ = {
  'schedule:weekly': 'the weekly schedule',
  'schedule:monthly': 'the monthly schedule',
  'schedule:poll': 'new exports in the folder',
  'webhook:refresh': 'Refresh now',
  'webhook:tasks': 'Regenerate tasks',
  'webhook:monthly': 'a monthly request',
};

function describeRun_(run) {
  var by = TRIGGER_WORDS_[run.trigger] || run.trigger;
  switch (run.status) {
    case 'succeeded':
      return 'Finished ' + when_(run.finished) + ' (started by ' + by + '). ' + run.message;
    case 'failed':
      return 'Failed ' + when_(run.finished) + ' (started by ' + by + '): ' + run.message;
    case 'abandoned':
      return 'Stopped ' + when_(run.finished) + ' when the worker shut down; nothing was written. ' +
        'The next run picks up where it left off.';
    case 'running':
      return 'Running since ' + when_(run.started) + ' (started by ' + by + ').';
    default:
      return 'Waiting to start (asked for by ' + by + ').';
  }
}

function when_(iso) {
  if (!iso) return '';
  var zone = SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone();
  return 'at ' + Utilities.formatDate(new Date(iso), zone, 'yyyy-MM-dd HH:mm');
}

function toast_(message, seconds) {
  SpreadsheetApp.getActiveSpreadsheet().toast(message, SHEETSBOT.TITLE, seconds || 10);
}

function alert_(title, message) {
  var ui = SpreadsheetApp.getUi();
  ui.alert(SHEETSBOT.TITLE + ': ' + title, message, ui.ButtonSet.OK);
}
