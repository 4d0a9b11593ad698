// Reads what lwc-mockserver served (records written by fidelity.py) with
// @kubernetes/client-node's typed models, as its generated API does for a
// response: ObjectSerializer.deserialize(body, 'V1PodList').
//
// ObjectSerializer itself validates nothing: it copies the members its
// attributeTypeMap names, turns date-time strings into Date objects (an
// unparseable one becomes an Invalid Date, silently) and throws only when a
// member declared as an array is not iterable. So, besides calling it, this
// checks what the TypeScript declarations promise a caller: every member
// declared without `?` (e.g. V1ContainerStatus.imageID: string) is present,
// and every Date is valid. The required members are read from the package's
// own .d.ts files.
// Usage: node check_node.mjs RECORDS.json   (exit 1 when anything failed)
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as models from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';

const { ObjectSerializer } = models;
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('@kubernetes/client-node/package.json'));
const modelsDir = join(pkgDir, 'dist', 'gen', 'models');
const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;

// class name -> set of required property names, from "export declare class X {" blocks.
const required = new Map();
for (const f of readdirSync(modelsDir)) {
  if (!f.endsWith('.d.ts')) continue;
  let cls = null;
  for (const line of readFileSync(join(modelsDir, f), 'utf8').split('\n')) {
    const c = line.match(/^export declare class (\w+)/);
    if (c) { cls = c[1]; required.set(cls, new Set()); continue; }
    if (line.startsWith('}')) { cls = null; continue; }
    const p = cls && line.match(/^ {4}'?(\w+)'?(\?)?: /);
    if (p && !p[2] && !line.includes('static ')) required.get(cls).add(p[1]);
  }
}
if (!required.get('V1ContainerStatus')?.has('imageID')) {
  console.log(`client-node ${version}: could not read required members from ${modelsDir}`);
  process.exit(1);
}

// Walks raw JSON along the declared type: required members and dates.
function walk(data, type, path, out) {
  if (data === undefined || data === null) return;
  let m;
  if ((m = type.match(/^Array<(.+)>$/))) {
    if (!Array.isArray(data)) { out.push(`${path}: declared ${type}, got ${typeof data}`); return; }
    data.forEach((d, i) => walk(d, m[1], `${path}[${i}]`, out));
  } else if ((m = type.match(/^\{ \[key: string\]: (.+); \}$/))) {
    for (const k of Object.keys(data)) walk(data[k], m[1], `${path}.${k}`, out);
  } else if (type === 'Date') {
    if (Number.isNaN(new Date(data).getTime())) out.push(`${path}: ${JSON.stringify(data)} is not a date`);
  } else if (models[type] && typeof models[type].getAttributeTypeMap === 'function') {
    const req = required.get(type) || new Set();
    for (const a of models[type].getAttributeTypeMap()) {
      const v = data[a.baseName];
      if ((v === undefined || v === null) && req.has(a.name))
        out.push(`${path}.${a.baseName}: required by ${type} (declared '${a.name}: ${a.type}'), missing`);
      walk(v, a.type, `${path}.${a.baseName}`, out);
    }
  }
}

function name(o) {
  const m = (o && o.metadata) || {};
  return m.namespace ? `${m.namespace}/${m.name}` : `${m.name}`;
}

function check(typeName, body, label, fails) {
  try {
    ObjectSerializer.deserialize(body, typeName);
  } catch (e) {
    fails.push(`${label}: ObjectSerializer.deserialize(..., '${typeName}') threw: ${e.message}`);
    return;
  }
  const out = [];
  walk(body, typeName, typeName, out);
  for (const o of out) fails.push(`${label}: ${o}`);
}

const records = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fails = [];
let n = 0;
for (const r of records) {
  const at = `${r.world}: ${r.what}`;
  const f = [];
  if (r.type.endsWith('List')) {
    check('V1ListMeta', r.body.metadata || {}, `${at}: list metadata`, f);
    for (const it of r.body.items || []) {
      n++;
      if (r.custom) check('V1ObjectMeta', it.metadata, `${at}: item ${name(it)} metadata`, f);
      else check(r.type.slice(0, -4), it, `${at}: item ${name(it)}`, f);
    }
    if (!r.custom && f.length === 0) check(r.type, r.body, `${at}: the list`, f);
  } else if (r.type === 'event') {
    n++;
    const ev = r.body, label = `${at}: ${ev.type} event of ${name(ev.object)}`;
    check('V1WatchEvent', { type: ev.type, object: ev.object }, label, f);
    if (ev.type === 'ERROR') check('V1Status', ev.object, label, f);
    else if (r.custom) check('V1ObjectMeta', ev.object.metadata, `${label} metadata`, f);
    else check(r.item_model, ev.object, label, f);
  } else {
    n++;
    if (r.custom) check('V1ObjectMeta', r.body.metadata, `${at}: object ${name(r.body)} metadata`, f);
    else check(r.type, r.body, `${at}: object ${name(r.body)}`, f);
  }
  fails.push(...f);
}
console.log(`@kubernetes/client-node ${version}: ${records.length} responses, ${n} objects and events checked, ` +
            `${fails.length} failures`);
for (const f of fails.slice(0, 60)) console.log(`FAIL (client-node) ${f}`);
if (fails.length > 60) console.log(`... and ${fails.length - 60} more`);
process.exit(fails.length ? 1 : 0);
