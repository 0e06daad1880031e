#!/usr/bin/env node
// Validates recorded HTTP exchanges against openapi.yaml with Prism's own
// router and response validator (the code `prism proxy` runs), for the
// exchanges the validating proxy cannot carry: requests with binary bodies
// (multipart photo uploads, tus PATCH), and requests the spec itself refuses
// (the API tests' bad inputs), which Prism answers without forwarding.
//
//   node check-exchanges.cjs openapi.yaml exchanges.jsonl
//
// One JSON object per line: {method, path, query, status, headers, body}
// (header names lower-case; body parsed JSON, a string, or null). Every
// response must match the operation's declared status, media type, body
// schema and headers. Unlike `prism proxy --errors`, an undeclared status is
// an error here too (Prism only warns about undeclared 4xx/5xx).
// Exit status: 0 all valid, 1 violations (listed on stdout), 2 usage/IO.
'use strict';

const fs = require('fs');
const readline = require('readline');
const E = require('fp-ts/Either');
const { getHttpOperationsFromSpec } = require('@stoplight/prism-http');
const route = require('@stoplight/prism-http/dist/router').default;
const { validateOutput } = require('@stoplight/prism-http/dist/validator');

async function main() {
	const [spec, log] = process.argv.slice(2);
	if (!spec || !log) {
		console.error('usage: check-exchanges.cjs openapi.yaml exchanges.jsonl');
		process.exit(2);
	}
	const resources = await getHttpOperationsFromSpec(spec);
	const lines = readline.createInterface({ input: fs.createReadStream(log), crlfDelay: Infinity });
	let checked = 0;
	const failures = [];
	for await (const line of lines) {
		if (!line.trim()) continue;
		const x = JSON.parse(line);
		checked++;
		const where = `${x.method.toUpperCase()} ${x.path}${x.query ? '?' + x.query : ''} → ${x.status}`;
		const input = { method: x.method, url: { path: x.path, query: {} }, headers: {} };
		const found = route({ resources, input });
		if (E.isLeft(found)) {
			// No operation in the spec: only a refusal can be right (an
			// unknown route or method must not succeed).
			if (x.status < 400 || x.status >= 500)
				failures.push(`${where}: no operation in the spec matches, yet the answer is ${x.status}`);
			continue;
		}
		const element = { statusCode: x.status, headers: x.headers, body: x.body === null ? undefined : x.body };
		const res = validateOutput({ resource: found.right, element });
		if (E.isLeft(res))
			for (const v of res.left)
				failures.push(`${where}: ${(v.path || []).join('.') || 'response'}: ${v.message}`);
	}
	console.log(`check-exchanges: ${checked} exchanges checked, ${failures.length} violations`);
	for (const f of failures) console.log('  ' + f);
	process.exit(failures.length ? 1 : 0);
}

main().catch(e => {
	console.error('check-exchanges:', e && e.stack ? e.stack : e);
	process.exit(2);
});
