// Stand-ins for the Apps Script services Code.gs uses, behaving as Apps Script does (not as
// Node does): digests are arrays of signed bytes, UrlFetchApp.fetch is synchronous real HTTP
// returning an HTTPResponse, simple triggers (onOpen) run without authorization.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { execFileSync } = require('node:child_process');

const CODE_GS = path.resolve(__dirname, '..', '..', 'apps_script', 'Code.gs');
const FETCH_HELPER = path.join(__dirname, 'fetch_helper.js');

class HTTPResponse {
  constructor(code, headers, body) {
    this._code = code;
    this._headers = headers;
    this._body = body;
  }
  getResponseCode() { return this._code; }
  getContentText() { return this._body.toString('utf8'); }
  getHeaders() { return Object.assign({}, this._headers); }
  getAllHeaders() { return Object.assign({}, this._headers); }
  getBlob() { throw new Error('not used by Code.gs'); }
}

function toBytes(value, charset) {
  if (typeof value === 'string') return Buffer.from(value, charset === 'US_ASCII' ? 'latin1' : 'utf8');
  if (Array.isArray(value)) return Buffer.from(value.map((b) => b & 0xff));
  throw new Error('Exception: Invalid argument: ' + typeof value);
}

/**
 * A fresh Apps Script world around the real Code.gs.
 * options: {properties, sheetId, timeZone, beforeSend(request) -> request}
 * Returns {run(name, {authMode}), context, record}; record holds menus, toasts, alerts,
 * exchanges (every HTTP request and answer) and digests (every byte array handed out).
 */
function loadCodeGs(options = {}) {
  const record = { menus: [], toasts: [], alerts: [], exchanges: [], digests: [] };
  const properties = Object.assign({}, options.properties || {});
  let authMode = 'FULL';

  function requireAuthorization(what, scope) {
    if (authMode !== 'FULL') {
      throw new Error(`Exception: You do not have permission to call ${what}. Required permissions: ${scope}`);
    }
  }

  const ButtonSet = { OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO', YES_NO_CANCEL: 'YES_NO_CANCEL' };
  const ui = {
    ButtonSet,
    Button: { OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO', CLOSE: 'CLOSE' },
    createMenu(name) {
      const items = [];
      const menu = {
        addItem(caption, functionName) { items.push({ caption, functionName }); return menu; },
        addSeparator() { items.push({ separator: true }); return menu; },
        addToUi() { record.menus.push({ name, items }); },
      };
      return menu;
    },
    alert(title, prompt, buttons) {
      // alert(prompt) | alert(prompt, buttons) | alert(title, prompt, buttons), as in Apps Script.
      const message = prompt === undefined || ButtonSet[prompt] ? title : prompt;
      record.alerts.push({ title: message === title ? '' : title, message });
      return 'OK';
    },
  };
  const spreadsheet = {
    getId() { return options.sheetId || 'sheet-under-test'; },
    getSpreadsheetTimeZone() { return options.timeZone || 'Europe/Berlin'; },
    toast(message, title, timeoutSeconds) { record.toasts.push({ message: String(message), title, timeoutSeconds }); },
  };

  const Utilities = {
    Charset: { UTF_8: 'UTF_8', US_ASCII: 'US_ASCII' },
    computeHmacSha256Signature(value, key, charset) {
      if (value === undefined || key === undefined) throw new Error('Exception: Invalid argument');
      const digest = crypto.createHmac('sha256', toBytes(key, charset)).update(toBytes(value, charset)).digest();
      // Java bytes: -128…127. Code.gs must mask them (b & 0xff) before writing hex.
      const signed = Array.from(digest, (b) => (b > 127 ? b - 256 : b));
      record.digests.push(signed);
      return signed;
    },
    sleep(milliseconds) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
    },
    formatDate(date, timeZone, format) {
      const parts = Object.fromEntries(new Intl.DateTimeFormat('en-CA', {
        timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      }).formatToParts(date).map((p) => [p.type, p.value]));
      return format.replace('yyyy', parts.year).replace('MM', parts.month).replace('dd', parts.day)
        .replace('HH', parts.hour).replace('mm', parts.minute);
    },
  };

  const UrlFetchApp = {
    fetch(url, params = {}) {
      requireAuthorization('UrlFetchApp.fetch', 'https://www.googleapis.com/auth/script.external_request');
      const method = String(params.method || 'get').toUpperCase();
      const headers = Object.assign(
        { 'User-Agent': 'Mozilla/5.0 (compatible; Google-Apps-Script; beanserver; +https://script.google.com; id: UAEmdDd-test)' },
        params.headers || {});
      let body;
      if (params.payload !== undefined && method !== 'GET') {
        body = typeof params.payload === 'string' ? Buffer.from(params.payload, 'utf8') : toBytes(params.payload);
        headers['Content-Type'] = params.contentType || 'application/x-www-form-urlencoded';
      }
      let request = { url, method, headers, body };
      if (options.beforeSend) request = options.beforeSend(request) || request;
      const out = JSON.parse(execFileSync(process.execPath, [FETCH_HELPER], {
        input: JSON.stringify({
          url: request.url, method: request.method, headers: request.headers,
          body: request.body ? request.body.toString('base64') : undefined,
        }),
        timeout: 20000,
      }).toString('utf8'));
      if (out.error) {
        record.exchanges.push({ method, url, error: out.error });
        throw new Error(`Exception: Address unavailable: ${url}`);
      }
      const response = new HTTPResponse(out.code, out.headers, Buffer.from(out.body, 'base64'));
      record.exchanges.push({ method, url, headers: request.headers, code: out.code, body: response.getContentText() });
      if (!params.muteHttpExceptions && out.code >= 400) {
        throw new Error(`Exception: Request failed for ${url} returned code ${out.code}. Truncated server response: `
          + `${response.getContentText().slice(0, 100)} (use muteHttpExceptions option to examine full response)`);
      }
      return response;
    },
  };

  const context = vm.createContext({
    SpreadsheetApp: {
      getUi() { return ui; },
      getActiveSpreadsheet() { return spreadsheet; },
      getActive() { return spreadsheet; },
    },
    PropertiesService: {
      getScriptProperties() {
        return {
          getProperty(key) { return Object.prototype.hasOwnProperty.call(properties, key) ? String(properties[key]) : null; },
          getProperties() { return Object.assign({}, properties); },
        };
      },
    },
    Utilities,
    UrlFetchApp,
    Logger: { log() {} },
    console,
  });
  vm.runInContext(fs.readFileSync(CODE_GS, 'utf8'), context, { filename: 'Code.gs' });

  function run(name, { auth = 'FULL', event } = {}) {
    if (typeof context[name] !== 'function') throw new Error(`Code.gs has no function ${name}`);
    authMode = auth;
    try {
      return context[name](event);
    } finally {
      authMode = 'FULL';
    }
  }
  return { run, context, record };
}

module.exports = { loadCodeGs, HTTPResponse };
