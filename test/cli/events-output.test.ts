import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drs } from './helpers.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'drs-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = (trace: string): string => `name: events
units: { memory: Gi }
pools:
  - { name: small, capacity: { cpu: 8, memory: 32 }, nodes: 2, pricePerHour: 0.4 }
trace:
  kind: csv
  file: ./${trace}
  columns: { id: id, arrival: arrival, duration: duration, demand: { cpu: cpu, memory: mem } }
strategies: [first-fit, worst-fit]
`;

/**
 * drs run --events writes its file as each strategy finishes; it opened (emptied) the file at the
 * start, so a run that stopped with an error (a bad trace record past what drs validate reads)
 * left an empty or partial file where the previous run's events had been. The events are written
 * beside it (FILE.partial) and take its name once the run is done.
 */
describe('drs run --events', () => {
  it('leaves the previous events file as it was when the run fails, and no partial file', async () => {
    writeFileSync(path.join(dir, 'bad.csv'), 'id,arrival,duration,cpu,mem\nj1,0,10,1,1\nj2,5,ten,2,1\n');
    writeFileSync(path.join(dir, 'bad.yaml'), scenario('bad.csv'));
    const events = path.join(dir, 'events.csv');
    writeFileSync(events, 'the previous run\n');
    const r = await drs(['run', path.join(dir, 'bad.yaml'), '--events', events, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("bad.csv:3, field 'duration'");
    expect(readFileSync(events, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('replaces it once the run is done', async () => {
    writeFileSync(path.join(dir, 'ok.csv'), 'id,arrival,duration,cpu,mem\nj1,0,10,1,1\nj2,5,10,2,1\n');
    writeFileSync(path.join(dir, 'ok.yaml'), scenario('ok.csv'));
    const events = path.join(dir, 'events.jsonl');
    writeFileSync(events, 'the previous run\n');
    const r = await drs(['run', path.join(dir, 'ok.yaml'), '--events', events, '--quiet']);
    expect(r.code, r.err).toBe(0);
    const rows = readFileSync(events, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { strategy: string; event: string });
    expect(rows.filter((e) => e.event === 'complete').map((e) => e.strategy)).toEqual(['first-fit', 'first-fit', 'worst-fit', 'worst-fit']);
    expect(existsSync(`${events}.partial`)).toBe(false);
    // Through a symbolic link: the file it points to gets the events, the link stays a link.
    const link = path.join(dir, 'link.jsonl');
    symlinkSync(events, link);
    expect((await drs(['run', path.join(dir, 'ok.yaml'), '--events', link, '--quiet', '--seed', '2'])).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(events, 'utf8')).toContain('"event":"complete"');
  });

  // The replacement is a new file: it was created with the umask's mode (0644 here), so a private
  // (0600) events file, which names every tenant and request, became readable by every user.
  it.skipIf(process.platform === 'win32')('keeps the permissions of the file it replaces', async () => {
    writeFileSync(path.join(dir, 'mode.csv'), 'id,arrival,duration,cpu,mem\nj1,0,10,1,1\n');
    writeFileSync(path.join(dir, 'mode.yaml'), scenario('mode.csv'));
    const events = path.join(dir, 'private.csv');
    writeFileSync(events, 'the previous run\n');
    chmodSync(events, 0o600);
    const r = await drs(['run', path.join(dir, 'mode.yaml'), '--events', events, '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(events, 'utf8')).toContain('complete');
    expect((statSync(events).mode & 0o777).toString(8)).toBe('600');
  });

  // A write of the events that fails (a full disk: FILE.partial made to point at /dev/full) was
  // taken for the strategy's own failure (each strategy listed as failed with "ENOSPC"), then
  // close() wrote the rows it kept again and ended the run with Node's stack trace, leaving
  // FILE.partial behind. Like a failed run: one line naming the file, FILE as it was, no partial file.
  it.skipIf(!existsSync('/dev/full'))('a failing write of the events file ends the run in one line, FILE as it was, no partial file', async () => {
    writeFileSync(path.join(dir, 'full.csv'), 'id,arrival,duration,cpu,mem\nj1,0,10,1,1\nj2,5,10,2,1\n');
    writeFileSync(path.join(dir, 'full.yaml'), scenario('full.csv'));
    const events = path.join(dir, 'full-events.csv');
    writeFileSync(events, 'the previous run\n');
    symlinkSync('/dev/full', `${events}.partial`);
    const r = await drs(['run', path.join(dir, 'full.yaml'), '--events', events, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`drs run: cannot write --events file ${events}: ENOSPC\n`);
    expect(r.out).toBe('');
    expect(readFileSync(events, 'utf8')).toBe('the previous run\n');
    expect(existsSync(`${events}.partial`) || readdirSync(dir).includes('full-events.csv.partial')).toBe(false);
  });
});
