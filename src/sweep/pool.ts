import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UserError } from '../core/errors.js';
import { runCell, type CellResult, type CellSpec } from './cell.js';

/**
 * Start a worker thread on the sweep's thread entry. From the built package this module is
 * `dist/sweep/pool.js` and the thread runs `dist/sweep/thread.js`, plain Node. From the
 * TypeScript source (tsx, vitest) the module's URL ends in `.ts`: the thread first registers
 * tsx's ESM loader (`tsx/esm/api`, a dev dependency) and then imports `thread.ts`. (A worker's
 * `execArgv: ['--import', 'tsx']` does not apply to the worker's own entry in Node 20.)
 */
function startThread(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./thread.js', import.meta.url), { workerData });
  const req = createRequire(import.meta.url);
  const tsxDir = path.dirname(req.resolve('tsx/package.json'));
  const pkg = JSON.parse(readFileSync(path.join(tsxDir, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(tsxDir, (pkg.exports['./esm/api'] as { import: { default: string } }).import.default)).href;
  const entry = new URL('./thread.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData });
}

interface Task {
  readonly id: number;
  readonly cell: CellSpec;
  resolve(r: CellResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

/**
 * Runs cells on `size` worker threads (size 0: in this thread, one at a time). Each thread runs
 * one cell at a time; cells wait in FIFO order. A thread that dies fails its cell with the error
 * and is replaced.
 */
export class CellPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Task[] = [];
  private nextId = 0;
  private closed = false;
  /** Threads lost in a row without finishing a cell; at 3 the pool gives up (a broken build, not a bad cell). */
  private crashes = 0;
  private broken: Error | undefined;

  constructor(
    readonly size: number,
    private readonly dataRoot: string,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startThread({ dataRoot: this.dataRoot }), task: undefined };
    slot.worker.on('message', (msg: { id: number; result?: CellResult; error?: string; user?: boolean }) => {
      const t = slot.task;
      if (t === undefined || t.id !== msg.id) return;
      slot.task = undefined;
      this.crashes = 0;
      if (msg.result !== undefined) t.resolve(msg.result);
      else t.reject(msg.user === true ? new UserError(msg.error ?? 'error') : new Error(msg.error ?? 'error'));
      this.pump();
    });
    slot.worker.on('error', (e) => this.lost(slot, e));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.lost(slot, new Error(`sweep worker thread exited with code ${code}`));
    });
    return slot;
  }

  private lost(slot: Slot, e: Error): void {
    const t = slot.task;
    slot.task = undefined;
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.crashes++;
    if (this.crashes >= 3 && this.broken === undefined) {
      this.broken = new Error(`sweep worker threads keep dying (${this.crashes} in a row): ${e.message}`);
      for (const w of this.waiting.splice(0)) w.reject(this.broken);
    }
    if (!this.closed && this.broken === undefined) this.slots[i] = this.spawn();
    else this.slots.splice(i, 1);
    t?.reject(e);
    this.pump();
  }

  run(cell: CellSpec): Promise<CellResult> {
    if (this.closed) return Promise.reject(new Error('CellPool is closed'));
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.size === 0) return runCell(cell, this.dataRoot);
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, cell, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.task !== undefined) continue;
      const t = this.waiting.shift();
      if (t === undefined) return;
      slot.task = t;
      slot.worker.postMessage({ id: t.id, cell: t.cell });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.waiting.splice(0)) t.reject(new Error('CellPool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
