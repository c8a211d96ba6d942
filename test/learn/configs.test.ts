import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/cli/train.js';
import { ConfigError } from '../../src/core/errors.js';
import { modelsDir } from '../../src/core/policy-net.js';

const trainDir = path.resolve(import.meta.dirname, '../../train');
const LATER_DEFAULTS: Record<string, unknown> = { candidates: 'arrival', features: 'base' };
const configs = readdirSync(trainDir).filter((f) => f.endsWith('.yaml'));

describe('committed training configs', () => {
  it.each(configs)('%s parses', (f) => {
    expect(() => readConfig(path.join(trainDir, f))).not.toThrow();
  });

  /** The fields where a recorded training config differs from a committed one, as [key, recorded, committed]. */
  const differences = (recorded: Record<string, unknown>, cfg: Record<string, unknown>): unknown[][] => {
    // `init` is recorded as the trainer saw it (resolved against the config's folder or the working directory).
    const out: unknown[][] = [...new Set([...Object.keys(cfg), ...Object.keys(recorded)])]
      .filter((k) => k !== 'init')
      // Options added after a model was trained are absent from its record, at their defaults.
      .map((k) => [k, recorded[k] ?? LATER_DEFAULTS[k], cfg[k] ?? LATER_DEFAULTS[k]])
      .filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b));
    if ((recorded.init === undefined) !== (cfg.init === undefined)) out.push(['init', recorded.init, cfg.init]);
    return out;
  };

  it('each shipped queue model was trained with the config of the same name (the file reproduces it)', () => {
    for (const name of ['lublin-1', 'sdsc-sp2', 'hpc2n']) {
      const model = JSON.parse(readFileSync(`${modelsDir()}queue/${name}.json`, 'utf8')) as { training: { config: Record<string, unknown> }; withBackfilling?: { training: { config: Record<string, unknown> } } };
      const cfg = readConfig(path.join(trainDir, `${name}.yaml`)) as Record<string, unknown>;
      expect([name, differences(model.training.config, cfg)]).toEqual([name, []]);
      // A scorer for backfilling was trained with one of the committed configs.
      const bf = model.withBackfilling?.training.config;
      if (bf !== undefined) {
        const match = configs.filter((f) => differences(bf, readConfig(path.join(trainDir, f)) as Record<string, unknown>).length === 0);
        expect([name, 'withBackfilling', match.length]).toEqual([name, 'withBackfilling', 1]);
      }
    }
  });
});

describe('training config errors', () => {
  /** The ConfigError for a committed config (agent-fleet by default) with `edit` applied to its text. */
  const errorOf = (edit: (text: string) => string, base = 'agent-fleet.yaml'): ConfigError => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-train-config-'));
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, edit(readFileSync(path.join(trainDir, base), 'utf8')));
    try {
      readConfig(file);
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    throw new Error('expected a ConfigError');
  };
  const lineOf = (text: string, start: string): number => text.split('\n').findIndex((l) => l.startsWith(start)) + 1;
  const committed = readFileSync(path.join(trainDir, 'agent-fleet.yaml'), 'utf8');

  it('names the line, the field and the accepted kinds', () => {
    const kind = errorOf((t) => t.replace(/^kind: allocator$/m, 'kind: queu'));
    expect(kind.location).toMatchObject({ field: 'kind', line: lineOf(committed, 'kind:') });
    expect(kind.message).toContain('expected one of "queue", "allocator"');
    const seeds = errorOf((t) => t.replace('seeds: [1000, 2000]', 'seeds: [1000, x]'));
    expect(seeds.location).toMatchObject({ field: 'train.seeds[1]', line: lineOf(committed, '  seeds: [1000') });
    expect(seeds.message).toContain('expected a number, got a string');
  });

  it('calls a reversed training range empty (not "shorter than one episode")', () => {
    const e = errorOf((t) => t.replace('ranges: [[0, 1981]]', 'ranges: [[1981, 100]]'), 'lublin-1.yaml');
    expect(e.location.field).toBe('train.ranges[0]');
    expect(e.message).toContain('training range [1981, 100) is empty');
  });

  it("names an unknown top-level key (not field ''), and says when it is the other kind's", () => {
    const typo = errorOf((t) => `${t}\nnetwrok: { hidden: [4] }\n`);
    expect(typo.location.field).toBe('netwrok');
    expect(typo.location.line).toBe(committed.split('\n').length + 1);
    expect(typo.message).toMatch(/unknown key 'netwrok'$/);
    const other = errorOf((t) => `${t}withBackfilling: x.yaml\n`);
    expect(other.location.field).toBe('withBackfilling');
    expect(other.message).toContain('(a key of kind queue configs; this one is kind allocator)');
  });
});
