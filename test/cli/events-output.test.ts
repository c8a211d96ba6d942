import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readOnlyFolderWith, runScriptAsNobody } from './as-nobody.js';
import { DATA, drs, ROOT } from './helpers.js';

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

  // A write of the events that fails (a file size limit: `ulimit -f`, as a full disk would) was
  // taken for the strategy's own failure (listed as failed with the error), then close() wrote the
  // rows it kept again and ended the run with Node's stack trace, leaving FILE.partial behind. Like
  // a failed run: one line naming the file, exit 2, FILE as it was, no partial file.
  it.skipIf(process.platform === 'win32')('a failing write of the events file ends the run in one line, FILE as it was, no partial file', async () => {
    writeFileSync(path.join(dir, 'big.yaml'), 'name: big\ndimensions: [cpu]\npools: [{ name: m, capacity: { cpu: 64 }, nodes: 4, pricePerHour: 1 }]\ntrace: { kind: synthetic, count: 20000, arrival: { rate: 50 }, profiles: [{ name: p, demand: { cpu: 1 }, duration: { dist: lognormal, mu: 0, sigma: 0.5 } }] }\nstrategies: [first-fit]\n');
    const events = path.join(dir, 'big-events.csv');
    writeFileSync(events, 'the previous run\n');
    const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'src/cli/main.ts'))}); process.exitCode = await m.main(${JSON.stringify(['run', path.join(dir, 'big.yaml'), '--events', events, '--quiet'])});`;
    // 512 KiB of file at most: the events (about 2 MB) cannot all be written.
    const r = spawnSync('bash', ['-c', `ulimit -f 512; exec "${process.execPath}" --import tsx --input-type=module -e '${script.replace(/'/g, "'\\''")}'`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DRS_DATA_DIR: DATA } });
    expect(r.stderr).toBe(`drs run: cannot write --events file ${events}: EFBIG\n`);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(readFileSync(events, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('big-events') && f.includes('partial'))).toEqual([]);
  }, 60_000);

  // FILE.partial left by an interrupted run is the writer's own: it was opened through, so a
  // symbolic link there had its target emptied and written, then the link was renamed over FILE.
  it('a leftover FILE.partial link is replaced, not followed', async () => {
    writeFileSync(path.join(dir, 'left.csv'), 'id,arrival,duration,cpu,mem\nj1,0,10,1,1\n');
    writeFileSync(path.join(dir, 'left.yaml'), scenario('left.csv'));
    const events = path.join(dir, 'left-events.csv');
    const other = path.join(dir, 'someone-else.txt');
    writeFileSync(other, 'not yours\n');
    symlinkSync(other, `${events}.partial`);
    const r = await drs(['run', path.join(dir, 'left.yaml'), '--events', events, '--quiet']);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(other, 'utf8')).toBe('not yours\n');
    expect(lstatSync(events).isFile()).toBe(true);
    expect(readFileSync(events, 'utf8')).toContain('complete');
  });

  // A pipe cannot be renamed over: it is written in place. The writer opened FILE through
  // realpath, which for /dev/stdout on a pipe is /proc/PID/fd/pipe:[N], a name no open finds
  // ("cannot write --events file …/ev.csv: ENOENT"); it opens FILE itself, as writeWhole does.
  it.skipIf(process.platform !== 'linux')('writes a pipe in place through a link to /dev/stdout', () => {
    const link = path.join(dir, 'stdout.csv');
    symlinkSync('/dev/stdout', link);
    const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'src/report/events.ts'))});
const w = new m.EventsWriter(${JSON.stringify(link)}, 'csv');
w.close();`;
    // `| cat`: the child's stdout a pipe (spawnSync's own is a socket, which no open reaches).
    const r = spawnSync('bash', ['-c', `"${process.execPath}" --import tsx --input-type=module -e '${script.replace(/'/g, "'\\''")}' | cat`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('strategy,time,event,request,tenant,priority,pool,node,code,devices\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(existsSync(`${link}.partial`)).toBe(false);
  }, 60_000);

  // Unlike --json (written once the run is over, so refusing it then would throw the run away),
  // the events file is refused before the run starts: written in place, a run that failed would
  // leave its first part under FILE's name, which is what FILE.partial is for.
  it.skipIf(process.platform !== 'linux')('refuses, before the run, a folder where FILE.partial cannot be created, and leaves FILE as it was', () => {
    const { folder, out, unlock } = readOnlyFolderWith(dir, 'read-only', 'ev.csv');
    const script = `const m = await import(${JSON.stringify(path.join(ROOT, 'src/report/events.ts'))});
try { new m.EventsWriter(${JSON.stringify(out)}, 'csv'); console.log('opened'); } catch (e) { console.log(e.code); }`;
    const r = runScriptAsNobody(script);
    unlock();
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('EACCES\n');
    expect(readFileSync(out, 'utf8')).toBe('the previous run\n');
    expect(readdirSync(folder)).toEqual(['ev.csv']);
  }, 60_000);
});
