#!/usr/bin/env node
// Checks the DOM headless Chromium rendered from GET /docs: Redoc ran without
// its error screen and its menu lists every operation and webhook of the
// spec, by operationId and summary.
//
//   node check-dom.cjs <api-spec dir> <openapi.yaml> <dom.html>
'use strict';

const fs = require('fs');
const path = require('path');

const [specDir, specPath, domPath] = process.argv.slice(2);
const yaml = require(path.join(specDir, 'node_modules', 'js-yaml'));
const spec = yaml.load(fs.readFileSync(specPath, 'utf8'));
const dom = fs.readFileSync(domPath, 'utf8');

const unescape = s =>
	s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const failures = [];
const start = dom.indexOf('<redoc');
const end = dom.indexOf('</redoc>', start);
if (start < 0 || end < 0) failures.push('no <redoc> element in the rendered page');
const app = start >= 0 && end >= 0 ? dom.slice(start, end) : '';
if (app.includes('Something went wrong')) {
	const m = app.match(/<small>([^<]*)<\/small>/);
	failures.push(`Redoc shows its error screen: ${m ? unescape(m[1]).trim() : '(no message)'}`);
}

// <li data-item-id="tag/<tag>/operation/<operationId>" role="menuitem" aria-label="<summary>">
const listed = new Map();
for (const m of app.matchAll(/data-item-id="([^"]*)" role="menuitem" aria-label="([^"]*)"/g)) {
	const id = unescape(m[1]);
	const slash = id.lastIndexOf('/');
	listed.set(id.slice(slash + 1), { id, label: unescape(m[2]) });
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
let expected = 0;
for (const group of ['paths', 'webhooks'])
	for (const [name, item] of Object.entries(spec[group] || {}))
		for (const method of methods) {
			const op = item[method];
			if (!op) continue;
			expected++;
			const where = `${group === 'webhooks' ? 'webhook ' : ''}${method.toUpperCase()} ${name}`;
			const got = listed.get(op.operationId);
			if (!got) failures.push(`${where} (${op.operationId}) is not in the menu`);
			else if (op.summary && got.label !== op.summary)
				failures.push(`${where}: the menu says "${got.label}", the spec "${op.summary}"`);
		}

console.log(`docs: ${expected} operations and webhooks in the spec, ${listed.size} menu items rendered`);
if (expected === 0) failures.push('the spec has no operations: nothing was checked');
for (const f of failures) console.log('FAIL: ' + f);
process.exit(failures.length ? 1 : 0);
