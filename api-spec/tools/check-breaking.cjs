#!/usr/bin/env node
// Breaking-change check of the OpenAPI contract against the last released one.
//
//   node check-breaking.cjs <current.yaml> <released-dir>
//
// <released-dir> holds the specs as shipped, named openapi-<MAJOR.MINOR.PATCH>.yaml
// (api-spec/released/). The newest one by semver is compared with <current.yaml>;
// every change is printed, classified BREAKING or non-breaking, with a JSON-pointer
// location (into the current spec, or into the released one for what was removed)
// and a one-line reason. A change inside a component (#/components/schemas/X, ...)
// is reported once at the component, "via" the operations that use it.
//
// Exit status
//   0  no breaking change; or the major version went up (breaking changes are
//      listed anyway); or no released spec yet (first release)
//   1  a breaking change while info.version keeps the released MAJOR;
//      or info.version is lower than the released one;
//      or info.version equals the released one while the spec differs
//      (compared as parsed YAML: comments and formatting do not count)
//   2  usage, I/O or parse error (also: an external or unresolvable $ref)
//
// What is BREAKING (from the app client's side; "request" = what the client
// sends, "response" = what it reads; for `webhooks` the roles swap: the
// receiver reads the request and writes the response):
//   - a removed path, operation (method) or webhook
//   - a removed or renamed operationId (generated clients' method names)
//   - a new required request parameter or header; a parameter that is removed,
//     changes `in`, becomes required, changes style/explode, or whose schema narrows
//   - a request body that becomes required, is added as required, or is removed;
//     a request media type no longer accepted
//   - request schema narrowing: a new required property, a property removed while
//     `additionalProperties: false`, a type narrowed or changed, an enum value
//     removed (or a new enum), lower maxLength/maximum/maxItems, higher
//     minLength/minimum/minItems, a new or changed pattern/format/multipleOf,
//     stricter `additionalProperties`, a property becoming readOnly, a oneOf/anyOf
//     variant removed
//   - response: a removed success (2xx) status, a new success status (generated
//     clients do not expect it), a removed property or one no longer required
//     (clients rely on it), a type change or widening (including "may now be
//     null"), a new enum value (generated TypeScript unions and exhaustive
//     switches break: clients must handle unknown values), a new oneOf/anyOf
//     variant, a changed or removed format, a changed or removed media type,
//     a removed declared response header or one no longer required
//   - security requirements added to (or made stricter on) an operation; a
//     changed security scheme
//   - a removed `components.schemas` entry that was referenced (the generated
//     model type disappears)
//   - anything this checker cannot classify (not/if/then/else, patternProperties,
//     prefixItems, callbacks, servers, encoding, a composition that changed
//     shape, ...): reported as "check by hand"
// Non-breaking: new operations, paths and webhooks; new optional parameters and
// request properties; new response properties; new error statuses and removed
// error statuses; description/summary/example changes; new enum values in
// requests; wider limits; removed request properties where extra properties
// are allowed; relaxed security; new components.
//
// Comparison: internal $refs are resolved (cycles are cut); `type: [T, 'null']`,
// `nullable: true` and `oneOf/anyOf: [X, {type: 'null'}]` are all "X or null";
// `const` is a one-value enum; allOf members are compared one by one when the
// allOf lists are identical, merged otherwise; oneOf/anyOf variants are matched
// by $ref, then by type and const properties, then by position.
// Path templates match regardless of parameter names (/a/{id} = /a/{aid}).
// Needs only js-yaml (from api-spec/node_modules, `npm ci` in api-spec/).
'use strict';

const fs = require('fs');
const path = require('path');

class Fatal extends Error {}

let yaml;
try {
	yaml = require('js-yaml');
} catch (e) {
	console.error('check-breaking: js-yaml not found; run `npm ci` in api-spec/');
	process.exit(2);
}

// ------------------------------------------------------------------ helpers
const isObj = v => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o, k) => isObj(o) && Object.prototype.hasOwnProperty.call(o, k);
function deepEqual(a, b) {
	if (a === b) return true;
	if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
	const ka = Object.keys(a), kb = Object.keys(b);
	return ka.length === kb.length && ka.every(k => has(b, k) && deepEqual(a[k], b[k]));
}
const esc = s => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const ptr = (loc, ...segs) => loc + segs.map(s => '/' + esc(s)).join('');
const union = (...objs) => [...new Set(objs.flatMap(o => (isObj(o) ? Object.keys(o) : [])))];
const fmt = v => (v === undefined ? '(none)' : JSON.stringify(v));
const list = a => a.map(v => JSON.stringify(v)).join(', ');

function loadYaml(file) {
	let text;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (e) {
		throw new Fatal(`cannot read ${file}: ${e.message}`);
	}
	let doc;
	try {
		doc = yaml.load(text, { schema: yaml.CORE_SCHEMA, filename: file });
	} catch (e) {
		throw new Fatal(`cannot parse ${file}: ${e.message.split('\n')[0]}`);
	}
	if (!isObj(doc) || typeof doc.openapi !== 'string' || !isObj(doc.info))
		throw new Fatal(`${file}: not an OpenAPI document (no openapi/info)`);
	return doc;
}

// ------------------------------------------------------------------ versions
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
function parseVersion(v, where) {
	const m = SEMVER.exec(String(v));
	if (!m) throw new Fatal(`${where}: version ${fmt(v)} is not MAJOR.MINOR.PATCH`);
	return { text: String(v), nums: [+m[1], +m[2], +m[3]], pre: m[4] ? m[4].split('.') : [] };
}
function cmpVersion(a, b) {
	for (let i = 0; i < 3; i++) if (a.nums[i] !== b.nums[i]) return a.nums[i] < b.nums[i] ? -1 : 1;
	if (!a.pre.length || !b.pre.length) return (b.pre.length ? 1 : 0) - (a.pre.length ? 1 : 0);
	for (let i = 0; i < Math.max(a.pre.length, b.pre.length); i++) {
		const x = a.pre[i], y = b.pre[i];
		if (x === undefined) return -1;
		if (y === undefined) return 1;
		const nx = /^\d+$/.test(x), ny = /^\d+$/.test(y);
		if (nx && ny && +x !== +y) return +x < +y ? -1 : 1;
		if (nx !== ny) return nx ? -1 : 1;
		if (x !== y) return x < y ? -1 : 1;
	}
	return 0;
}

// ------------------------------------------------------------------ state
let C; // { O, N, findings, frames, memo, active, via, seen: {O, N} }

function add(breaking, loc, msg) {
	const key = (breaking ? 'B' : 'N') + '\u0000' + loc + '\u0000' + msg;
	let f = C.findings.get(key);
	if (!f) C.findings.set(key, (f = { breaking, loc, msg, vias: new Set() }));
	if (C.via) f.vias.add(C.via);
	if (C.frames.length) C.frames[C.frames.length - 1].push(key);
}
// Compare a component once per mode; later uses only add their "via".
function memo(key, fn) {
	const top = () => C.frames[C.frames.length - 1];
	if (C.memo.has(key)) {
		for (const k of C.memo.get(key)) {
			if (C.via) C.findings.get(k).vias.add(C.via);
			if (C.frames.length) top().push(k);
		}
		return;
	}
	if (C.active.has(key)) return; // a cycle: the outer comparison covers it
	C.active.add(key);
	C.frames.push([]);
	let keys;
	try {
		fn();
	} finally {
		keys = [...new Set(C.frames.pop())];
		C.active.delete(key);
	}
	C.memo.set(key, keys);
	if (C.frames.length) top().push(...keys);
}

function derefOnce(doc, ref) {
	if (typeof ref !== 'string' || !ref.startsWith('#'))
		throw new Fatal(`unsupported $ref ${fmt(ref)} (only internal refs, "#/...")`);
	const parts = ref.slice(1).split('/').slice(1)
		.map(p => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
	let cur = doc;
	for (const p of parts) {
		if (cur === null || typeof cur !== 'object' || !has(cur, p) && !(Array.isArray(cur) && p in cur))
			throw new Fatal(`unresolvable $ref ${ref}`);
		cur = cur[p];
	}
	return cur;
}
// Follows a $ref chain; keywords next to a $ref override the target's.
function deref(side, node) {
	const doc = C[side];
	const seen = new Set();
	let sib = {}, first = null;
	while (isObj(node) && typeof node.$ref === 'string') {
		if (seen.has(node.$ref)) throw new Fatal(`$ref cycle through ${node.$ref}`);
		seen.add(node.$ref);
		C.seen[side].add(node.$ref);
		if (!first) first = node.$ref;
		const { $ref, ...rest } = node;
		sib = { ...rest, ...sib };
		node = derefOnce(doc, $ref);
	}
	if (!first) return node;
	const out = isObj(node) ? { ...node, ...sib } : node;
	if (isObj(out)) Object.defineProperty(out, '__ref', { value: first, enumerable: false });
	return out;
}
const refOf = b => (isObj(b) ? b.$ref || b.__ref || null : null);

// ------------------------------------------------------------------ notes
const SCHEMA_NOTES = new Set(['description', 'title', 'summary', 'example', 'examples', '$comment',
	'externalDocs', 'xml', 'default', 'deprecated', '$id', '$anchor', '$schema']);
const isNote = (k, set = SCHEMA_NOTES) => set.has(k) || k.startsWith('x-');
function notes(o, n, loc, set = SCHEMA_NOTES) {
	for (const k of union(o, n)) {
		if (!isNote(k, set) || deepEqual(o[k], n[k])) continue;
		const l = ptr(loc, k);
		if (k === 'deprecated') add(false, l, n[k] ? 'now deprecated: plan to stop using it' : 'no longer deprecated');
		else if (k === 'default') add(false, l, `default changed ${fmt(o[k])} → ${fmt(n[k])}: a client that omits the value gets the new default`);
		else add(false, l, `${k} ${!has(o, k) ? 'added' : !has(n, k) ? 'removed' : 'changed'} (documentation)`);
	}
}
// Keywords nobody above handled: any difference needs a human.
function unhandled(o, n, loc, handled, set = SCHEMA_NOTES) {
	for (const k of union(o, n)) {
		if (handled.has(k) || isNote(k, set) || deepEqual(o[k], n[k])) continue;
		add(true, ptr(loc, k), `${k} ${!has(o, k) ? 'added' : !has(n, k) ? 'removed' : 'changed'}: not classified by this checker, check by hand`);
	}
}
function leafDiff(o, n, loc, breaking, why, budget) {
	if (deepEqual(o, n)) return;
	if (isObj(o) && isObj(n)) {
		for (const k of union(o, n)) leafDiff(o[k], n[k], ptr(loc, k), breaking, why, budget);
		return;
	}
	if (budget.left-- === 0) add(breaking, loc, `… more changes below this point${why}`);
	if (budget.left < 0) return;
	add(breaking, loc, `${o === undefined ? 'added' : n === undefined ? 'removed' : 'changed'}${why}`);
}

// ------------------------------------------------------------------ schemas
// mode 'write': the client produces the value, the new spec must accept all the
// old one accepted. mode 'read': the client consumes it, the new spec must not
// produce anything the old one could not, nor drop what it guaranteed.
const W = 'write', R = 'read';
const asSchema = s => (s === undefined || s === true ? {} : s === false ? { not: {} } : s);
const isNullBranch = b => isObj(b) && !b.$ref &&
	(b.type === 'null' || deepEqual(b.type, ['null']) || (has(b, 'const') && b.const === null)) &&
	Object.keys(b).every(k => k === 'type' || k === 'const' || isNote(k));
const noteOnly = o => Object.keys(o).every(k => isNote(k));

function typesOf(s, nul) {
	if (!has(s, 'type')) return null; // any
	const t = new Set(Array.isArray(s.type) ? s.type : [s.type]);
	if (nul || s.nullable === true) t.add('null');
	return t;
}
const covers = (set, t) => set.has(t) || (t === 'integer' && set.has('number'));
const enumOf = s => (has(s, 'const') ? [s.const] : Array.isArray(s.enum) ? s.enum : null);

// oneOf/anyOf with {type: 'null'} branches: split them off as a nullable flag.
function splitNull(s) {
	const kw = Array.isArray(s.oneOf) ? 'oneOf' : Array.isArray(s.anyOf) ? 'anyOf' : null;
	if (!kw) return { s, nul: false };
	const keep = s[kw].filter(b => !isNullBranch(b));
	if (keep.length === s[kw].length || !keep.length) return { s, nul: false };
	const rest = { ...s };
	delete rest[kw];
	if (keep.length === 1 && noteOnly(rest)) return { s: rest, inner: keep[0], nul: true };
	rest[kw] = keep;
	return { s: rest, nul: true };
}

function flatten(side, s, depth = 0) {
	if (!isObj(s) || !Array.isArray(s.allOf) || depth > 20) return s;
	const out = { ...s };
	delete out.allOf;
	for (const m of s.allOf) {
		const r = flatten(side, asSchema(deref(side, m)), depth + 1);
		if (!isObj(r)) continue;
		for (const [k, v] of Object.entries(r)) {
			if (k === 'properties') {
				out.properties = { ...(out.properties || {}) };
				for (const [p, ps] of Object.entries(v))
					out.properties[p] = has(out.properties, p) && !deepEqual(out.properties[p], ps)
						? { allOf: [out.properties[p], ps] } : ps;
			} else if (k === 'required') out.required = [...new Set([...(out.required || []), ...v])];
			else if (k === 'type' && has(out, 'type')) {
				const a = [].concat(out.type), b = new Set([].concat(v));
				out.type = a.filter(t => b.has(t) || (t === 'number' && b.has('integer')));
			} else if (!has(out, k)) out[k] = v;
		}
	}
	return out;
}

function compareSchema(oRaw, nRaw, loc, mode, oNul = false, nNul = false, depth = 0) {
	if (depth > 200) return;
	let o = asSchema(oRaw), n = asSchema(nRaw);
	if (!isObj(o) || !isObj(n)) {
		if (!deepEqual(o, n)) add(true, loc, 'schema changed shape: check by hand');
		return;
	}
	const oRef = typeof o.$ref === 'string', nRef = typeof n.$ref === 'string';
	if (oRef || nRef) {
		const sibO = { ...o }, sibN = { ...n };
		delete sibO.$ref;
		delete sibN.$ref;
		if (oRef && nRef && o.$ref === n.$ref && noteOnly(sibO) && noteOnly(sibN)) {
			notes(sibO, sibN, loc);
			const ref = o.$ref;
			const l = /^#\/components\//.test(ref) ? ref : loc;
			memo(`S|${ref}|${mode}|${oNul}|${nNul}`, () =>
				compareSchema(deref('O', { $ref: ref }), deref('N', { $ref: ref }), l, mode, oNul, nNul, depth + 1));
			return;
		}
		const key = `P|${o.$ref || loc}|${n.$ref || loc}|${mode}|${oNul}|${nNul}`;
		memo(key, () => compareSchema(oRef ? deref('O', o) : o, nRef ? deref('N', n) : n, loc, mode, oNul, nNul, depth + 1));
		return;
	}

	// X-or-null unions
	const oId = o.__ref, nId = n.__ref; // the component it came from, if any
	const so = splitNull(o), sn = splitNull(n);
	if (so.inner !== undefined || sn.inner !== undefined) {
		notes(so.inner !== undefined ? so.s : {}, sn.inner !== undefined ? sn.s : {}, loc);
		compareSchema(so.inner !== undefined ? so.inner : so.s, sn.inner !== undefined ? sn.inner : sn.s,
			loc, mode, oNul || so.nul, nNul || sn.nul, depth + 1);
		return;
	}
	o = so.s; n = sn.s; oNul = oNul || so.nul; nNul = nNul || sn.nul;

	// allOf
	if (Array.isArray(o.allOf) || Array.isArray(n.allOf)) {
		if (Array.isArray(o.allOf) && Array.isArray(n.allOf) && deepEqual(o.allOf, n.allOf)) {
			o.allOf.forEach((m, i) => compareSchema(m, n.allOf[i], ptr(loc, 'allOf', i), mode, false, false, depth + 1));
			o = { ...o }; n = { ...n };
			delete o.allOf;
			delete n.allOf;
		} else {
			o = flatten('O', o);
			n = flatten('N', n);
		}
	}

	// oneOf / anyOf
	const ok = Array.isArray(o.oneOf) ? 'oneOf' : Array.isArray(o.anyOf) ? 'anyOf' : null;
	const nk = Array.isArray(n.oneOf) ? 'oneOf' : Array.isArray(n.anyOf) ? 'anyOf' : null;
	if (ok || nk) {
		if (ok && nk && ok !== nk) add(true, ptr(loc, nk), `${ok} changed to ${nk}: check by hand`);
		// one side is not a union: compare it as a union of one variant (its own
		// annotations are compared with the matching variant's)
		const strip = s => { const r = { ...s }; for (const k of Object.keys(r)) if (isNote(k)) delete r[k]; return r; };
		const ob = ok ? o[ok] : [oId && !so.nul ? { $ref: oId } : strip(o)];
		const nb = nk ? n[nk] : [nId && !sn.nul ? { $ref: nId } : strip(n)];
		compareVariants(ob, nb, ptr(loc, nk || ok), mode, depth, oNul, nNul);
		if (!ok || !nk) return;
		o = { ...o }; n = { ...n };
		delete o[ok];
		delete n[nk];
	}
	compareKeywords(o, n, loc, mode, oNul, nNul, depth);
}

function variantSig(side, b) {
	const s = asSchema(deref(side, b));
	if (!isObj(s)) return JSON.stringify(s);
	const t = [...(typesOf(s) || ['any'])].sort().join('|');
	const consts = Object.entries(s.properties || {})
		.map(([p, ps]) => [p, enumOf(isObj(ps) ? ps : {})])
		.filter(([, e]) => e && e.length === 1).map(([p, e]) => `${p}=${JSON.stringify(e[0])}`).sort();
	return t + ' ' + consts.join(',');
}
function compareVariants(ob, nb, loc, mode, depth, oNul, nNul) {
	const pairs = [], usedO = new Set(), usedN = new Set();
	const match = test => ob.forEach((b, i) => {
		if (usedO.has(i)) return;
		const j = nb.findIndex((c, j) => !usedN.has(j) && test(b, c));
		if (j >= 0) { pairs.push([i, j]); usedO.add(i); usedN.add(j); }
	});
	match((b, c) => refOf(b) && refOf(b) === refOf(c));
	match((b, c) => variantSig('O', b) === variantSig('N', c));
	const restO = ob.map((_, i) => i).filter(i => !usedO.has(i));
	const restN = nb.map((_, j) => j).filter(j => !usedN.has(j));
	if (restO.length === restN.length) { restO.forEach((i, k) => pairs.push([i, restN[k]])); restO.length = restN.length = 0; }
	for (const i of restO) {
		const name = refOf(ob[i]) || `#${i} (${variantSig('O', ob[i]).trim()})`;
		if (mode === W) add(true, ptr(loc, i), `variant ${name} removed: clients that send it are refused`);
		else add(false, ptr(loc, i), `variant ${name} removed: no longer returned`);
	}
	for (const j of restN) {
		const name = refOf(nb[j]) || `#${j} (${variantSig('N', nb[j]).trim()})`;
		if (mode === W) add(false, ptr(loc, j), `new variant ${name} accepted`);
		else add(true, ptr(loc, j), `new variant ${name} in a response: clients that switch over the variants do not know it`);
	}
	for (const [i, j] of pairs) compareSchema(ob[i], nb[j], ptr(loc, j), mode, oNul, nNul, depth + 1);
}

const UPPER = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'];
const LOWER = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'];
const HANDLED = new Set(['type', 'nullable', 'enum', 'const', 'format', 'pattern', 'multipleOf', 'uniqueItems',
	'required', 'properties', 'additionalProperties', 'items', 'discriminator', 'readOnly', 'writeOnly',
	...UPPER, ...LOWER]);

function compareKeywords(o, n, loc, mode, oNul, nNul, depth) {
	notes(o, n, loc);
	unhandled(o, n, loc, HANDLED);

	// type
	const ot = typesOf(o, oNul), nt = typesOf(n, nNul);
	if (ot || nt) {
		const show = t => (t ? [...t].join(' or ') : 'any type');
		const lost = ot ? (nt ? [...ot].filter(t => !covers(nt, t)) : []) : nt ? ['(any)'] : [];
		const gained = nt ? (ot ? [...nt].filter(t => !covers(ot, t)) : []) : ot ? ['(any)'] : [];
		const l = ptr(loc, 'type');
		if (lost.length && gained.length) add(true, l, `type changed from ${show(ot)} to ${show(nt)}`);
		else if (lost.length) {
			if (mode === W) add(true, l, `type narrowed from ${show(ot)} to ${show(nt)}: ${lost.join(', ')} no longer accepted`);
			else add(false, l, `type narrowed from ${show(ot)} to ${show(nt)} in a response`);
		} else if (gained.length) {
			if (mode === W) add(false, l, `type widened from ${show(ot)} to ${show(nt)} in a request`);
			else if (gained.length === 1 && gained[0] === 'null') add(true, l, `may now be null in a response (was ${show(ot)}): clients do not expect null`);
			else add(true, l, `type widened from ${show(ot)} to ${show(nt)} in a response: clients do not expect ${gained.join(', ')}`);
		}
	}

	// enum / const
	const oe = enumOf(o), ne = enumOf(n), le = ptr(loc, has(n, 'const') || (!has(n, 'enum') && has(o, 'const')) ? 'const' : 'enum');
	if (oe || ne) {
		const key = v => JSON.stringify(v);
		if (oe && ne) {
			const so = new Set(oe.map(key)), sn = new Set(ne.map(key));
			const removed = oe.filter(v => !sn.has(key(v))), added = ne.filter(v => !so.has(key(v)));
			if (removed.length) {
				if (mode === W) add(true, le, `enum value(s) ${list(removed)} removed from a request: clients that send them are refused`);
				else add(false, le, `enum value(s) ${list(removed)} no longer returned`);
			}
			if (added.length) {
				if (mode === W) add(false, le, `new enum value(s) ${list(added)} accepted in a request`);
				else add(true, le, `new enum value(s) ${list(added)} in a response: generated TypeScript unions and exhaustive switches break; clients must handle unknown values`);
			}
		} else if (ne) {
			if (mode === W) add(true, le, `request value now restricted to ${list(ne)}`);
			else add(false, le, `response value now restricted to ${list(ne)}`);
		} else {
			if (mode === W) add(false, le, 'request value no longer restricted to an enum');
			else add(true, le, `response value no longer restricted to ${list(oe)}: clients do not expect other values`);
		}
	}

	// limits
	for (const [keys, tighter] of [[UPPER, (a, b) => b < a], [LOWER, (a, b) => b > a]]) for (const k of keys) {
		if (deepEqual(o[k], n[k])) continue;
		const l = ptr(loc, k), a = o[k], b = n[k];
		if ((a !== undefined && typeof a !== 'number') || (b !== undefined && typeof b !== 'number')) {
			add(true, l, `${k} changed ${fmt(a)} → ${fmt(b)}: check by hand`);
			continue;
		}
		const narrower = a === undefined || (b !== undefined && tighter(a, b));
		if (mode === W && narrower) add(true, l, `${k} ${fmt(a)} → ${fmt(b)}: stricter in a request, values accepted before are refused`);
		else add(false, l, `${k} ${fmt(a)} → ${fmt(b)}${mode === W ? ': wider in a request' : ' in a response'}`);
	}

	// pattern / format / multipleOf
	for (const k of ['pattern', 'format', 'multipleOf']) {
		if (deepEqual(o[k], n[k])) continue;
		const l = ptr(loc, k), what = `${k} ${fmt(o[k])} → ${fmt(n[k])}`;
		if (mode === W) {
			if (n[k] === undefined) add(false, l, `${what}: no longer checked in a request`);
			else add(true, l, `${what}: stricter in a request, values accepted before may be refused`);
		} else if (k === 'format' && o[k] !== undefined) add(true, l, `${what} in a response: clients parse it by its format`);
		else add(false, l, `${what} in a response`);
	}
	if (!deepEqual(o.uniqueItems, n.uniqueItems)) {
		const l = ptr(loc, 'uniqueItems');
		if (mode === W && n.uniqueItems === true) add(true, l, 'items must now be unique in a request');
		else add(false, l, `uniqueItems ${fmt(o.uniqueItems)} → ${fmt(n.uniqueItems)}`);
	}
	if (!deepEqual(o.readOnly, n.readOnly)) {
		const l = ptr(loc, 'readOnly');
		if (mode === W && n.readOnly === true) add(true, l, 'became readOnly: the server ignores it in requests');
		else add(false, l, `readOnly ${fmt(o.readOnly)} → ${fmt(n.readOnly)}`);
	}
	if (!deepEqual(o.writeOnly, n.writeOnly)) {
		const l = ptr(loc, 'writeOnly');
		if (mode === R && n.writeOnly === true) add(true, l, 'became writeOnly: no longer returned in responses');
		else add(false, l, `writeOnly ${fmt(o.writeOnly)} → ${fmt(n.writeOnly)}`);
	}

	// discriminator
	if (!deepEqual(o.discriminator, n.discriminator)) {
		const od = isObj(o.discriminator) ? o.discriminator : {}, nd = isObj(n.discriminator) ? n.discriminator : {};
		const l = ptr(loc, 'discriminator');
		if (od.propertyName !== nd.propertyName)
			add(true, ptr(l, 'propertyName'), `discriminator property ${fmt(od.propertyName)} → ${fmt(nd.propertyName)}: clients pick variants by it`);
		const om = od.mapping || {}, nm = nd.mapping || {};
		for (const v of union(om, nm)) {
			const lm = ptr(l, 'mapping', v);
			if (!has(nm, v)) add(mode === W, lm, `discriminator value ${fmt(v)} removed${mode === W ? ': clients that send it are refused' : ''}`);
			else if (!has(om, v)) add(mode === R, lm, `new discriminator value ${fmt(v)}${mode === R ? ': clients do not know the variant' : ''}`);
			else if (om[v] !== nm[v]) add(true, lm, `discriminator value ${fmt(v)} now maps to ${nm[v]} (was ${om[v]}): check by hand`);
		}
	}

	// items
	if (has(o, 'items') || has(n, 'items')) compareSchema(o.items, n.items, ptr(loc, 'items'), mode, false, false, depth + 1);

	// properties / required / additionalProperties
	const op = isObj(o.properties) ? o.properties : {}, np = isObj(n.properties) ? n.properties : {};
	const oreq = new Set(Array.isArray(o.required) ? o.required : []), nreq = new Set(Array.isArray(n.required) ? n.required : []);
	const nAP = n.additionalProperties === undefined ? true : n.additionalProperties;
	const oAP = o.additionalProperties === undefined ? true : o.additionalProperties;
	const flag = (side, s, k) => { const r = deref(side, s); return isObj(r) && r[k] === true; };
	for (const p of [...new Set([...Object.keys(op), ...Object.keys(np), ...oreq, ...nreq])]) {
		const l = ptr(loc, 'properties', p), inO = has(op, p), inN = has(np, p);
		if (inO && !inN) {
			if (mode === R) {
				if (flag('O', op[p], 'writeOnly')) add(false, l, 'writeOnly property removed');
				else add(true, l, 'property removed from a response: clients that read it break');
			} else if (nAP === false) add(true, l, 'property removed from a request and additionalProperties: false now refuses it');
			else add(false, l, 'property removed from a request (extra properties are allowed: the server ignores it)');
			continue;
		}
		if (!inO && inN) {
			if (mode === R) add(false, l, `new ${nreq.has(p) ? 'required' : 'optional'} response property`);
			else if (nreq.has(p) && !flag('N', np[p], 'readOnly')) add(true, l, 'new required request property: existing clients do not send it');
			else add(false, l, `new optional request property`);
			continue;
		}
		if (oreq.has(p) !== nreq.has(p)) {
			const l2 = ptr(loc, 'required');
			if (mode === W && nreq.has(p)) add(true, l, `property ${fmt(p)} became required in a request: existing clients may not send it`);
			else if (mode === R && oreq.has(p)) add(true, l, `property ${fmt(p)} no longer required in a response: clients rely on it being present`);
			else add(false, inO || inN ? l : l2, `property ${fmt(p)} ${nreq.has(p) ? 'now' : 'no longer'} required`);
		}
		if (inO && inN) compareSchema(op[p], np[p], l, mode, false, false, depth + 1);
	}
	if (!deepEqual(o.additionalProperties, n.additionalProperties)) {
		const l = ptr(loc, 'additionalProperties');
		if (isObj(oAP) && isObj(nAP)) compareSchema(oAP, nAP, l, mode, false, false, depth + 1);
		else if (mode === W) {
			if (nAP === false) add(true, l, 'stricter additionalProperties: false: unknown request properties are now refused');
			else if (oAP === true && isObj(nAP)) add(true, l, 'additionalProperties now constrained in a request: check by hand');
			else add(false, l, 'additionalProperties relaxed in a request');
		} else {
			if (isObj(oAP) && nAP === true) add(true, l, 'additionalProperties values are no longer constrained in a response');
			else add(false, l, `additionalProperties ${fmt(o.additionalProperties)} → ${fmt(n.additionalProperties)} in a response`);
		}
	}
}

// ------------------------------------------------------------------ operations
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const OP_NOTES = new Set(['summary', 'description', 'externalDocs', 'deprecated']);
const PARAM_NOTES = new Set(['description', 'example', 'examples', 'deprecated']);
const MEDIA_NOTES = new Set(['example', 'examples']);
const RESP_NOTES = new Set(['description']);

function params(side, pathItem, op, tpl) {
	const names = [...tpl.matchAll(/\{([^}]+)\}/g)].map(m => m[1]);
	const out = new Map();
	for (const raw of [...(pathItem.parameters || []), ...(op.parameters || [])]) {
		const p = deref(side, raw);
		if (!isObj(p)) continue;
		const inn = String(p.in), name = String(p.name);
		if (inn === 'header' && /^(accept|content-type|authorization)$/i.test(name)) continue;
		let key = `${inn}:${name}`;
		if (inn === 'header') key = `header:${name.toLowerCase()}`;
		else if (inn === 'path' && names.includes(name)) key = `path#${names.indexOf(name)}`;
		out.set(key, { raw, p });
	}
	return out;
}

function compareParams(oMap, nMap, loc, webhook) {
	const moved = new Set();
	const disp = p => `${p.in}:${p.name}`;
	for (const [k, { raw, p }] of oMap) {
		const l = ptr(loc, 'parameters', disp(p));
		if (nMap.has(k)) { compareParam(raw, nMap.get(k).raw, l, webhook); continue; }
		const to = [...nMap.entries()].find(([, q]) => q.p.name.toLowerCase() === p.name.toLowerCase() && q.p.in !== p.in);
		if (to) {
			moved.add(to[0]);
			add(true, l, `parameter moved from ${p.in} to ${to[1].p.in}: clients send it in the old place`);
		} else if (webhook) add(true, l, `${p.in} parameter removed: receivers that read it break`);
		else add(true, l, `${p.in} parameter removed: clients that send it lose its effect, generated method signatures change`);
	}
	for (const [k, { p }] of nMap) {
		if (oMap.has(k) || moved.has(k)) continue;
		const l = ptr(loc, 'parameters', disp(p));
		const req = p.required === true || p.in === 'path';
		if (webhook) add(false, l, `new ${p.in} parameter sent to receivers`);
		else if (req) add(true, l, `new required ${p.in} parameter: existing clients do not send it`);
		else add(false, l, `new optional ${p.in} parameter`);
	}
}

const effStyle = p => p.style || ({ query: 'form', cookie: 'form', path: 'simple', header: 'simple' })[p.in];
const effExplode = p => (p.explode !== undefined ? p.explode : effStyle(p) === 'form');

function compareParam(oRaw, nRaw, loc, webhook) {
	const mode = webhook ? R : W;
	const body = l => {
		const o = deref('O', oRaw), n = deref('N', nRaw);
		if (o.in === 'path' && o.name !== n.name)
			add(false, ptr(l, 'name'), `path parameter renamed ${o.name} → ${n.name}: the URL is the same, generated argument names change`);
		const oR = o.required === true || o.in === 'path', nR = n.required === true || n.in === 'path';
		if (oR !== nR) {
			const lr = ptr(l, 'required');
			if (mode === W && nR) add(true, lr, 'parameter became required: existing clients may not send it');
			else if (mode === R && oR) add(true, lr, 'parameter no longer always sent: receivers that rely on it break');
			else add(false, lr, `parameter ${nR ? 'became required' : 'became optional'}`);
		}
		if (effStyle(o) !== effStyle(n) || effExplode(o) !== effExplode(n) || !!o.allowReserved !== !!n.allowReserved)
			add(true, ptr(l, 'style'), 'serialization (style/explode/allowReserved) changed: the value is sent differently');
		if (has(o, 'schema') || has(n, 'schema')) compareSchema(o.schema, n.schema, ptr(l, 'schema'), mode);
		if (has(o, 'content') || has(n, 'content')) compareContent(o.content, n.content, ptr(l, 'content'), mode);
		notes(o, n, l, PARAM_NOTES);
		unhandled(o, n, l, new Set(['name', 'in', 'required', 'style', 'explode', 'allowReserved', 'schema', 'content', 'allowEmptyValue', '$ref']), PARAM_NOTES);
	};
	if (refOf(oRaw) && refOf(oRaw) === refOf(nRaw)) memo(`Q|${oRaw.$ref}|${mode}`, () => body(oRaw.$ref));
	else body(loc);
}

function compareContent(oc, nc, loc, mode) {
	oc = isObj(oc) ? oc : {};
	nc = isObj(nc) ? nc : {};
	const fresh = Object.keys(nc).filter(k => !has(oc, k));
	for (const mt of Object.keys(oc)) {
		const l = ptr(loc, mt);
		if (!has(nc, mt)) {
			const to = fresh.length ? ` (now ${fresh.join(', ')})` : '';
			add(true, l, mode === W ? `media type ${mt} no longer accepted${to}` : `media type ${mt} no longer returned${to}: clients parse the old one`);
			continue;
		}
		const o = isObj(oc[mt]) ? oc[mt] : {}, n = isObj(nc[mt]) ? nc[mt] : {};
		if (has(o, 'schema') || has(n, 'schema')) compareSchema(o.schema, n.schema, ptr(l, 'schema'), mode);
		if (!deepEqual(o.encoding, n.encoding)) add(true, ptr(l, 'encoding'), 'encoding changed: check by hand');
		notes(o, n, l, MEDIA_NOTES);
		unhandled(o, n, l, new Set(['schema', 'encoding']), MEDIA_NOTES);
	}
	for (const mt of fresh)
		add(false, ptr(loc, mt), mode === W ? `new accepted media type ${mt}` : `new response media type ${mt}`);
}

function compareBody(oRaw, nRaw, loc, webhook) {
	const mode = webhook ? R : W;
	if (oRaw === undefined && nRaw === undefined) return;
	if (oRaw === undefined) {
		const n = deref('N', nRaw);
		if (!webhook && n.required === true) add(true, loc, 'new required request body: existing clients do not send it');
		else add(false, loc, 'new request body');
		return;
	}
	if (nRaw === undefined) {
		add(true, loc, webhook ? 'request body removed: receivers that read it break' : 'request body removed: clients still send it');
		return;
	}
	const body = l => {
		const o = deref('O', oRaw), n = deref('N', nRaw);
		if (!!o.required !== !!n.required) {
			const lr = ptr(l, 'required');
			if (mode === W && n.required) add(true, lr, 'request body became required: clients that omit it are refused');
			else if (mode === R && o.required) add(true, lr, 'request body no longer always sent: receivers that rely on it break');
			else add(false, lr, `request body ${n.required ? 'became required' : 'became optional'}`);
		}
		compareContent(o.content, n.content, ptr(l, 'content'), mode);
		notes(o, n, l, new Set(['description']));
		unhandled(o, n, l, new Set(['required', 'content', '$ref']), new Set(['description']));
	};
	if (refOf(oRaw) && refOf(oRaw) === refOf(nRaw)) memo(`B|${oRaw.$ref}|${mode}`, () => body(oRaw.$ref));
	else body(loc);
}

const isSuccess = s => /^2/.test(String(s));
function compareResponses(or, nr, loc, webhook) {
	const mode = webhook ? W : R;
	or = isObj(or) ? or : {};
	nr = isObj(nr) ? nr : {};
	for (const s of Object.keys(or)) {
		const l = ptr(loc, s);
		if (!has(nr, s)) {
			if (isSuccess(s)) add(true, l, webhook ? `success status ${s} removed from the receiver's answers` : `success status ${s} removed: clients expect it`);
			else add(false, l, `response ${s} removed: clients fall back to their generic handling`);
			continue;
		}
		compareResponse(or[s], nr[s], l, mode);
	}
	for (const s of Object.keys(nr)) {
		if (has(or, s)) continue;
		const l = ptr(loc, s);
		if (!webhook && isSuccess(s)) add(true, l, `new success status ${s}: clients generated from the released spec do not expect it`);
		else add(false, l, `new response ${s}`);
	}
}

function compareResponse(oRaw, nRaw, loc, mode) {
	const body = l => {
		const o = deref('O', oRaw), n = deref('N', nRaw);
		const lower = h => new Map(Object.keys(isObj(h) ? h : {}).map(k => [k.toLowerCase(), k]));
		const oh = lower(o.headers), nh = lower(n.headers);
		for (const [k, name] of oh) {
			const lh = ptr(l, 'headers', name);
			if (!nh.has(k)) {
				add(mode === R, lh, mode === R ? 'response header removed: clients that read it break' : 'header removed');
				continue;
			}
			compareHeader(o.headers[name], n.headers[nh.get(k)], lh, mode);
		}
		for (const [k, name] of nh) if (!oh.has(k)) add(false, ptr(l, 'headers', name), 'new response header');
		compareContent(o.content, n.content, ptr(l, 'content'), mode);
		if (!deepEqual(o.links, n.links)) add(false, ptr(l, 'links'), 'links changed');
		notes(o, n, l, RESP_NOTES);
		unhandled(o, n, l, new Set(['headers', 'content', 'links', '$ref']), RESP_NOTES);
	};
	if (refOf(oRaw) && refOf(oRaw) === refOf(nRaw)) memo(`R|${oRaw.$ref}|${mode}`, () => body(oRaw.$ref));
	else body(loc);
}

function compareHeader(oRaw, nRaw, loc, mode) {
	const body = l => {
		const o = deref('O', oRaw), n = deref('N', nRaw);
		if (!!o.required !== !!n.required) {
			const lr = ptr(l, 'required');
			if (mode === R && o.required) add(true, lr, 'response header no longer required: clients rely on it');
			else if (mode === W && n.required) add(true, lr, 'header became required');
			else add(false, lr, `header ${n.required ? 'now' : 'no longer'} required`);
		}
		if (has(o, 'schema') || has(n, 'schema')) compareSchema(o.schema, n.schema, ptr(l, 'schema'), mode);
		if (has(o, 'content') || has(n, 'content')) compareContent(o.content, n.content, ptr(l, 'content'), mode);
		if (effExplode({ in: 'header', ...o }) !== effExplode({ in: 'header', ...n }) || (o.style || 'simple') !== (n.style || 'simple'))
			add(true, ptr(l, 'style'), 'header serialization changed');
		notes(o, n, l, PARAM_NOTES);
		unhandled(o, n, l, new Set(['required', 'schema', 'content', 'style', 'explode', '$ref']), PARAM_NOTES);
	};
	if (refOf(oRaw) && refOf(oRaw) === refOf(nRaw)) memo(`H|${oRaw.$ref}|${mode}`, () => body(oRaw.$ref));
	else body(loc);
}

function securityOf(side, op) {
	const s = op.security !== undefined ? op.security : C[side].security;
	const alts = Array.isArray(s) && s.length ? s : [{}];
	return alts.map(a => new Map(Object.entries(isObj(a) ? a : {}).map(([k, v]) => [k, new Set(v || [])])));
}
const showSec = alts => alts.map(a => (a.size ? [...a.entries()].map(([k, v]) => k + (v.size ? `(${[...v].join(' ')})` : '')).join(' + ') : 'none')).join(' or ');
function compareSecurity(oOp, nOp, loc) {
	const o = securityOf('O', oOp), n = securityOf('N', nOp);
	if (showSec(o) === showSec(n)) return;
	// a client satisfying an old alternative must still satisfy some new one
	const within = (b, a) => [...b.entries()].every(([k, sc]) => a.has(k) && [...sc].every(x => a.get(k).has(x)));
	const stricter = o.some(a => !n.some(b => within(b, a)));
	if (stricter) add(true, ptr(loc, 'security'), `security requirement added: ${showSec(o)} → ${showSec(n)}: calls made as before are refused`);
	else add(false, ptr(loc, 'security'), `security relaxed: ${showSec(o)} → ${showSec(n)}`);
}

function compareOperation(oi, ni, oPath, nPath, m, kind, oLoc, nLoc) {
	const webhook = kind === 'webhooks';
	const oOp = oi[m], nOp = ni[m];
	const loc = ptr(nLoc, m);
	C.via = webhook ? `webhook ${nPath}` : `${m.toUpperCase()} ${nPath}`;
	if (oOp.operationId !== nOp.operationId) {
		const l = ptr(loc, 'operationId');
		if (oOp.operationId === undefined) add(true, l, `operationId ${fmt(nOp.operationId)} added: generated clients rename the method`);
		else if (nOp.operationId === undefined) add(true, l, `operationId ${fmt(oOp.operationId)} removed: generated clients rename the method`);
		else add(true, l, `operationId renamed ${oOp.operationId} → ${nOp.operationId}: generated clients rename the method`);
	}
	if (!deepEqual(oOp.tags, nOp.tags))
		add(false, ptr(loc, 'tags'), `tags ${fmt(oOp.tags)} → ${fmt(nOp.tags)} (generators that group operations by tag move the method)`);
	compareParams(params('O', oi, oOp, oPath), params('N', ni, nOp, nPath), loc, webhook);
	compareBody(oOp.requestBody, nOp.requestBody, ptr(loc, 'requestBody'), webhook);
	compareResponses(oOp.responses, nOp.responses, ptr(loc, 'responses'), webhook);
	if (!webhook) compareSecurity(oOp, nOp, loc);
	else if (!deepEqual(oOp.security, nOp.security)) add(false, ptr(loc, 'security'), 'security changed on a webhook (documentation)');
	notes(oOp, nOp, loc, OP_NOTES);
	unhandled(oOp, nOp, loc, new Set(['operationId', 'tags', 'parameters', 'requestBody', 'responses', 'security']), OP_NOTES);
	C.via = '';
}

function comparePathItems(kind) {
	const webhook = kind === 'webhooks';
	const oP = isObj(C.O[kind]) ? C.O[kind] : {}, nP = isObj(C.N[kind]) ? C.N[kind] : {};
	const norm = k => (webhook ? k : k.replace(/\{[^}]*\}/g, '{}'));
	const nBy = new Map(Object.keys(nP).map(k => [norm(k), k]));
	const matched = new Set();
	for (const ok of Object.keys(oP)) {
		const oLoc = ptr('#/' + kind, ok);
		const oi = deref('O', oP[ok]);
		const nk = nBy.get(norm(ok));
		if (nk === undefined) {
			const ops = METHODS.filter(m => isObj(oi[m])).map(m => `${m.toUpperCase()}${oi[m].operationId ? ' ' + oi[m].operationId : ''}`);
			add(true, oLoc, webhook ? `webhook removed: receivers no longer get it (${ops.join(', ')})`
				: `path removed with its operations (${ops.join(', ')}): clients calling them break`);
			continue;
		}
		matched.add(nk);
		const ni = deref('N', nP[nk]);
		const nLoc = ptr('#/' + kind, nk);
		if (nk !== ok) add(false, nLoc, `path template renamed from ${ok} (same URLs)`);
		for (const m of METHODS) {
			if (isObj(oi[m]) && !isObj(ni[m]))
				add(true, ptr(oLoc, m), `operation removed: ${m.toUpperCase()} ${ok}${oi[m].operationId ? ` (${oi[m].operationId})` : ''}; clients calling it break`);
			else if (!isObj(oi[m]) && isObj(ni[m]))
				add(false, ptr(nLoc, m), `new operation ${m.toUpperCase()} ${nk}${ni[m].operationId ? ` (${ni[m].operationId})` : ''}`);
			else if (isObj(oi[m])) compareOperation(oi, ni, ok, nk, m, kind, oLoc, nLoc);
		}
		notes(oi, ni, nLoc, new Set(['summary', 'description']));
		unhandled(oi, ni, nLoc, new Set([...METHODS, 'parameters', '$ref']), new Set(['summary', 'description']));
	}
	for (const nk of Object.keys(nP)) {
		if (matched.has(nk)) continue;
		add(false, ptr('#/' + kind, nk), webhook ? 'new webhook' : 'new path');
	}
}

function collectRefs(node, out) {
	if (Array.isArray(node)) node.forEach(x => collectRefs(x, out));
	else if (isObj(node)) for (const [k, v] of Object.entries(node)) {
		if (k === '$ref' && typeof v === 'string') out.add(v);
		else collectRefs(v, out);
	}
	return out;
}

function compareComponents() {
	const oc = isObj(C.O.components) ? C.O.components : {}, nc = isObj(C.N.components) ? C.N.components : {};
	const oldRefs = collectRefs(C.O, new Set());
	for (const kind of union(oc, nc)) {
		const ok = isObj(oc[kind]) ? oc[kind] : {}, nk = isObj(nc[kind]) ? nc[kind] : {};
		for (const name of Object.keys(ok)) {
			const ref = ptr('#/components/' + kind, name);
			if (!has(nk, name)) {
				if (kind === 'schemas' && oldRefs.has(ref)) add(true, ref, `schema removed or renamed: the generated model type ${name} disappears`);
				else if (kind === 'securitySchemes') add(true, ref, 'security scheme removed');
				else add(false, ref, `unused or replaced ${kind} entry removed (its uses are checked where they were)`);
				continue;
			}
			if (deepEqual(ok[name], nk[name])) continue;
			if (kind === 'securitySchemes') {
				const strip = s => Object.fromEntries(Object.entries(isObj(s) ? s : {}).filter(([k]) => k !== 'description' && !k.startsWith('x-')));
				if (!deepEqual(strip(ok[name]), strip(nk[name]))) add(true, ref, 'security scheme changed: clients authenticate differently');
				else add(false, ptr(ref, 'description'), 'description changed (documentation)');
				continue;
			}
			if (C.seen.O.has(ref) && C.seen.N.has(ref)) continue; // compared where it is used
			leafDiff(ok[name], nk[name], ref, false, ' (component not used by any operation or webhook)', { left: 20 });
		}
		const fresh = Object.keys(nk).filter(name => !has(ok, name));
		if (fresh.length) add(false, ptr('#/components', kind), `${fresh.length} new entr${fresh.length > 1 ? 'ies' : 'y'}: ${fresh.join(', ')}`);
	}
}

function compareTop() {
	for (const k of union(C.O, C.N)) {
		if (['paths', 'webhooks', 'components'].includes(k)) continue;
		const l = ptr('#', k);
		if (k === 'info') {
			const strip = i => { const r = { ...(isObj(i) ? i : {}) }; delete r.version; return r; };
			leafDiff(strip(C.O.info), strip(C.N.info), l, false, ' (documentation)', { left: 20 });
		} else if (k === 'servers') {
			const urls = s => (Array.isArray(s) ? s.map(x => x && x.url) : []);
			const gone = urls(C.O.servers).filter(u => !urls(C.N.servers).includes(u));
			if (gone.length) add(true, l, `server URL(s) ${list(gone)} removed: clients configured with them break`);
			else if (!deepEqual(C.O.servers, C.N.servers)) add(false, l, 'servers changed (no URL removed)');
		} else if (k === 'security') {
			if (!deepEqual(C.O.security, C.N.security)) add(false, l, 'top-level security changed (checked per operation)');
		} else leafDiff(C.O[k], C.N[k], l, false, k === 'openapi' ? ' (OpenAPI version of the document)' : ' (documentation)', { left: 20 });
	}
}

function diff(O, N) {
	C = { O, N, findings: new Map(), frames: [], memo: new Map(), active: new Set(), via: '', seen: { O: new Set(), N: new Set() } };
	comparePathItems('paths');
	comparePathItems('webhooks');
	compareComponents();
	compareTop();
	const strip = d => ({ ...d, info: { ...d.info, version: undefined } });
	if (!C.findings.size && !deepEqual(strip(O), strip(N)))
		add(false, '#', 'the documents differ where this checker does not look (check by hand)');
	return [...C.findings.values()];
}

// ------------------------------------------------------------------ main
function main(argv) {
	const [current, dir] = argv;
	if (!current || !dir || argv.length !== 2)
		throw new Fatal('usage: node check-breaking.cjs <current.yaml> <released-dir>');
	const cur = loadYaml(current);
	const cv = parseVersion(cur.info.version, current);

	let files = [];
	if (fs.existsSync(dir)) {
		if (!fs.statSync(dir).isDirectory()) throw new Fatal(`${dir}: not a directory`);
		files = fs.readdirSync(dir)
			.map(f => [f, /^openapi-(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\.ya?ml$/.exec(f)])
			.filter(([, m]) => m).map(([f, m]) => ({ file: path.join(dir, f), v: parseVersion(m[1], f) }));
	}
	if (!files.length) {
		console.log(`check-breaking: no released spec (openapi-<version>.yaml) in ${dir}${fs.existsSync(dir) ? '' : ' (no such directory)'}: first release, nothing to compare; ${current} is ${cv.text}`);
		return 0;
	}
	files.sort((a, b) => cmpVersion(b.v, a.v));
	const rel = files[0];
	const old = loadYaml(rel.file);
	const rv = parseVersion(old.info.version, rel.file);
	if (cmpVersion(rv, rel.v) !== 0)
		throw new Fatal(`${rel.file}: info.version ${rv.text} does not match the file name`);

	const t0 = Date.now();
	const found = diff(old, cur);
	const br = found.filter(f => f.breaking), nb = found.filter(f => !f.breaking);
	console.log(`check-breaking: ${current} (${cv.text}) against ${rel.file} (${rv.text})`);
	const show = f => {
		const v = [...f.vias];
		const via = f.loc.startsWith('#/components/') && v.length ? `  [via ${v[0]}${v.length > 1 ? ` and ${v.length - 1} more` : ''}]` : '';
		console.log(`  ${f.breaking ? 'BREAKING    ' : 'non-breaking'}  ${f.loc}: ${f.msg}${via}`);
	};
	br.forEach(show);
	nb.forEach(show);
	const ms = Date.now() - t0;
	const summary = found.length ? `${found.length} change(s), ${br.length} breaking` : 'no changes';
	const c = cmpVersion(cv, rv);
	const fail = [];
	if (c < 0) fail.push(`version lowered: ${cv.text} is lower than the released ${rv.text}`);
	else if (c === 0 && !deepEqual(old, cur)) fail.push(`the spec changed but info.version did not: it is still ${rv.text}; a changed spec needs a new version`);
	if (br.length && cv.nums[0] === rv.nums[0])
		fail.push(`${br.length} breaking change(s) but the major version did not change (${rv.text} → ${cv.text}): undo them or release ${rv.nums[0] + 1}.0.0`);
	if (fail.length) {
		console.log(`check-breaking: ${summary} (${ms} ms); FAIL: ${fail.join('; FAIL: ')}`);
		return 1;
	}
	let ok = `${summary} (${ms} ms); OK: ${rv.text} → ${cv.text}`;
	if (br.length) ok += ' (major version bump: breaking changes allowed)';
	console.log(`check-breaking: ${ok}`);
	return 0;
}

try {
	process.exit(main(process.argv.slice(2)));
} catch (e) {
	if (e instanceof Fatal) {
		console.error(`check-breaking: ${e.message}`);
		process.exit(2);
	}
	console.error('check-breaking:', e && e.stack ? e.stack : e);
	process.exit(2);
}
