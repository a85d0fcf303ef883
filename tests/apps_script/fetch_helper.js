// One HTTP request, synchronously for the caller: UrlFetchApp's stand-in runs this with
// execFileSync, because Apps Script's UrlFetchApp.fetch blocks until the answer is there.
// stdin: {"url", "method", "headers", "body" (base64)}; stdout: {"code", "headers", "body"} or {"error"}.
'use strict';
const http = require('node:http');
const https = require('node:https');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const req = JSON.parse(input);
  const url = new URL(req.url);
  const client = url.protocol === 'https:' ? https : http;
  const request = client.request(url, { method: req.method, headers: req.headers, timeout: 10000 }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => {
      process.stdout.write(JSON.stringify({
        code: res.statusCode,
        headers: res.headers,
        body: Buffer.concat(chunks).toString('base64'),
      }));
    });
  });
  request.on('timeout', () => request.destroy(new Error('timeout')));
  request.on('error', (err) => process.stdout.write(JSON.stringify({ error: err.code || err.message })));
  if (req.body) request.write(Buffer.from(req.body, 'base64'));
  request.end();
});
