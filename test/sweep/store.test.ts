import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CellResult } from '../../src/sweep/cell.js';
import { ResultStore } from '../../src/sweep/store.js';

/** Resuming after a crash: what the results folder holds when a sweep died mid-write. */
const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const result = (hash: string): CellResult => ({ state: 'completed', hash, point: {}, strategy: 'first-fit', seed: 1, metrics: { cost: { total: 1.5 } } as never, simulatedSeconds: 60 });

describe('ResultStore after a crash', () => {
  it('runs a cell again whose record was cut off mid-write, and then keeps the new one', () => {
    const store = new ResultStore(path.join(dir, 'cut'));
    const text = JSON.stringify(result('a'));
    writeFileSync(path.join(store.dir, 'a.json'), text.slice(0, text.length >> 1));
    expect(store.get('a')).toBeUndefined();
    store.put(result('a'));
    expect(store.get('a')).toEqual(result('a'));
    expect(readdirSync(store.dir)).toEqual(['a.json']); // no temporary file left behind
  });
  it('reads no result from an empty file, another cell, a failed cell or a leftover temporary file', () => {
    const store = new ResultStore(path.join(dir, 'odd'));
    writeFileSync(path.join(store.dir, 'e.json'), '');
    writeFileSync(path.join(store.dir, 'b.json'), JSON.stringify(result('c')));
    writeFileSync(path.join(store.dir, 'f.json'), JSON.stringify({ ...result('f'), state: 'failed', error: 'x' }));
    writeFileSync(path.join(store.dir, `t.json.${process.pid}.tmp`), JSON.stringify(result('t')));
    for (const h of ['e', 'b', 'f', 't']) expect(store.get(h)).toBeUndefined();
  });
  it('a fresh sweep reads nothing back', () => {
    const f = path.join(dir, 'fresh');
    new ResultStore(f).put(result('a'));
    expect(new ResultStore(f, { reuse: false }).get('a')).toBeUndefined();
  });
});
