import { afterEach, describe, expect, it } from 'vitest';
import { parseFleet } from '../../src/agents/config.js';
import { ISO_TIME_EXPECTED, parseIsoTime } from '../../src/agents/time.js';
import { agentRequests, agentTraceFleet } from '../../src/agents/workload.js';
import type { Request } from '../../src/core/model.js';
import { ResourceSpace } from '../../src/core/resources.js';
import { drs, tmpFile } from '../cli/helpers.js';
import { agentsScenario } from './scenario-text.js';

const iso = (ms: number | string) => (typeof ms === 'string' ? ms : new Date(ms).toISOString());

describe('parseIsoTime: strict ISO 8601, never the host time zone', () => {
  it('reads an offset or Z as given, and a time without one in the zone it is given', () => {
    expect(iso(parseIsoTime('2026-03-29T00:00:00+01:00', 'UTC'))).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(parseIsoTime('2026-06-01T08:00:00Z', 'Europe/Berlin'))).toBe('2026-06-01T08:00:00.000Z');
    expect(iso(parseIsoTime('2026-06-01T08:00:00.25-05:30', 'UTC'))).toBe('2026-06-01T13:30:00.250Z');
    expect(iso(parseIsoTime('2026-06-01T08:00', 'UTC'))).toBe('2026-06-01T08:00:00.000Z');
    expect(iso(parseIsoTime('2026-06-01T08:00:00', 'Europe/Berlin'))).toBe('2026-06-01T06:00:00.000Z');
    expect(iso(parseIsoTime('2026-01-15T08:00:00', 'America/New_York'))).toBe('2026-01-15T13:00:00.000Z');
  });

  it('refuses what Date.parse takes but is not ISO 8601, and dates that do not exist', () => {
    expect(parseIsoTime('March 7, 2026', 'UTC')).toBe(`${ISO_TIME_EXPECTED}, got "March 7, 2026"`);
    expect(ISO_TIME_EXPECTED).toBe("expected an ISO 8601 time such as 2026-03-29T00:00:00Z, 2026-03-29T00:00:00+01:00, or 2026-03-29T00:00:00 (read in the fleet's timezone)");
    for (const bad of ['2026-06-01', '2026-06-01 08:00:00Z', '2026-6-1T08:00:00Z', '2026-06-01T08:00:00.1234Z', '2026-06-01T08:00:00+0100']) expect(parseIsoTime(bad, 'UTC')).toBe(`${ISO_TIME_EXPECTED}, got ${JSON.stringify(bad)}`);
    expect(parseIsoTime('2026-02-30T00:00:00Z', 'UTC')).toBe('no such date and time: "2026-02-30T00:00:00Z"');
    expect(parseIsoTime('2026-06-01T24:00:00Z', 'UTC')).toBe('no such date and time: "2026-06-01T24:00:00Z"');
    expect(parseIsoTime('2026-06-01T08:00:00+25:00', 'UTC')).toBe('no such UTC offset: "+25:00" in "2026-06-01T08:00:00+25:00"');
  });

  it('refuses a local time a daylight-saving change skips or repeats, saying which offsets are meant', () => {
    expect(parseIsoTime('2026-03-29T02:30:00', 'Europe/Berlin')).toBe('2026-03-29T02:30:00 does not exist in Europe/Berlin (a daylight-saving change skips it); give the UTC offset meant, e.g. 2026-03-29T02:30:00Z');
    expect(parseIsoTime('2026-10-25T02:30:00', 'Europe/Berlin')).toBe(
      '2026-10-25T02:30:00 occurs twice in Europe/Berlin (a daylight-saving change repeats it); give the UTC offset meant: 2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00',
    );
    expect(iso(parseIsoTime('2026-10-25T02:30:00+01:00', 'Europe/Berlin'))).toBe('2026-10-25T01:30:00.000Z');
  });
});

describe('an agents trace start', () => {
  const hostTz = process.env.TZ;
  afterEach(() => {
    if (hostTz === undefined) delete process.env.TZ;
    else process.env.TZ = hostTz;
  });
  const space = new ResourceSpace(['cpu', 'memory', 'gpu']);
  const spec = (start: string, timezone?: string) => ({
    kind: 'agents',
    start,
    horizon: '3h',
    registry: { ...(timezone !== undefined ? { config: { timezone } } : {}), agents: [{ id: 'ingest', cpu: 4, schedule: { cron: '0 9 * * *' }, duration: '7m' }] },
  });
  const plan = async (s: object) => {
    const out: Request[] = [];
    for await (const r of agentRequests(s, { space, baseDir: '.', seed: 1 })) out.push(r);
    return out.map((r) => `${r.id}@${r.arrival}+${r.duration}`);
  };

  it('without an offset is the same instant whatever the host time zone (UTC, New York, Tokyo)', async () => {
    const seen: string[][] = [];
    const offsets = new Set<number>();
    for (const tz of ['UTC', 'America/New_York', 'Asia/Tokyo']) {
      process.env.TZ = tz;
      offsets.add(new Date(2026, 5, 1).getTimezoneOffset()); // the host zone really changed
      seen.push(await plan(spec('2026-06-01T08:00:00')));
    }
    expect(offsets.size).toBe(3);
    for (const s of seen) expect(s).toEqual(['ingest#1@3600+420']);
  });

  it("without an offset is read in the fleet's timezone, which must be a real zone", () => {
    expect(iso(agentTraceFleet(spec('2026-06-01T08:00:00', 'Europe/Berlin'), { baseDir: '.' }).start)).toBe('2026-06-01T06:00:00.000Z');
    expect(iso(agentTraceFleet(spec('2026-06-01T08:00:00'), { baseDir: '.' }).start)).toBe('2026-06-01T08:00:00.000Z');
    expect(() => agentTraceFleet(spec('2026-03-29T02:30:00', 'Europe/Berlin'), { baseDir: '.', file: 's.yaml' })).toThrow("s.yaml, field 'trace.start': 2026-03-29T02:30:00 does not exist in Europe/Berlin");
    expect(() => parseFleet({ config: { timezone: 'Europe/Berln' }, agents: [{ id: 'a', cpu: 1 }] })).toThrow(`field 'config.timezone': invalid time zone "Europe/Berln" (expected an IANA name such as Europe/Berlin)`);
  });

  it('drs validate refuses a start that is not ISO 8601 with its line and field', async () => {
    const text = agentsScenario(`  start: March 7, 2026
  registry:
    agents:
      - { agent_id: a, cpu: 1, schedule: on-demand, duration: 1m }
`);
    const r = await drs(['validate', tmpFile('s.yaml', text)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`s.yaml:7, field 'trace.start': ${ISO_TIME_EXPECTED}, got "March 7, 2026"`);
  });
});
