import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALLOCATOR_FEATURES } from '../../src/algorithms/learned.js';
import { ConfigError, UserError } from '../../src/core/errors.js';
import { loadPolicyNetFile, PolicyNet, validatePolicyNetFile } from '../../src/core/policy-net.js';
import { QUEUE_FEATURES } from '../../src/queue/learned-queue.js';
import { randomModel } from './support.js';

describe('policy network: forward pass and model files', () => {
  it('computes the documented MLP by hand: tanh hidden layer, linear output, feature scaling', () => {
    // 2 features, 2 hidden units, 1 output.
    const net = new PolicyNet({
      format: 1,
      kind: 'queue',
      name: 'hand',
      features: ['a', 'b'],
      scaling: { mean: [1, 0], std: [2, 1] },
      layers: [
        { weights: [1, 0, 0, 1], bias: [0, 0.5], activation: 'tanh' },
        { weights: [2, -1], bias: [0.25], activation: 'linear' },
      ],
    });
    // x = (5, 1): z = ((5-1)/2, 1) = (2, 1); h = (tanh 2, tanh 1.5); out = 2 tanh 2 − tanh 1.5 + 0.25
    expect(net.score([5, 1])).toBeCloseTo(2 * Math.tanh(2) - Math.tanh(1.5) + 0.25, 12);
  });

  it('round-trips through a JSON file: the loaded model scores exactly as the original', () => {
    const m = randomModel('queue', 3);
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-model-'));
    const file = path.join(dir, 'm.json');
    writeFileSync(file, JSON.stringify(m));
    const loaded = loadPolicyNetFile(file, 'queue', QUEUE_FEATURES);
    expect(loaded).toEqual(m);
    const a = new PolicyNet(m);
    const b = new PolicyNet(loaded);
    const x = QUEUE_FEATURES.map((_, i) => i * 0.37 - 1);
    expect(b.score(x)).toBe(a.score(x));
  });

  it('reads a model file that starts with a byte-order mark, as the YAML configs are read', () => {
    const m = randomModel('queue', 3);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'drs-model-')), 'bom.json');
    writeFileSync(file, `\uFEFF${JSON.stringify(m)}`);
    expect(loadPolicyNetFile(file, 'queue', QUEUE_FEATURES)).toEqual(m);
  });

  it('refuses a model file that is not a JSON object, naming the file and what it holds', () => {
    for (const [raw, got] of [[null, 'null'], ['x', '"x"'], [[], 'a list']] as const) {
      let message = 'no error';
      try {
        validatePolicyNetFile(raw, 'm.json');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe(`m.json: a model file must be a JSON object (format, kind, name, features, scaling, layers), got ${got}`);
    }
  });

  it('refuses a model file of another format version, naming the field and both versions', () => {
    const bad = { ...randomModel('queue'), format: 2 };
    expect(() => validatePolicyNetFile(bad, 'x.json')).toThrow(ConfigError);
    expect(() => validatePolicyNetFile(bad, 'x.json')).toThrow(/x\.json.*field 'format'.*format 2 is not supported.*reads format 1/);
  });

  it('refuses a feature-count mismatch with the strategy, naming both feature lists', () => {
    const m = randomModel('queue');
    const fewer = { ...m, features: m.features.slice(0, 5), scaling: { mean: m.scaling.mean.slice(0, 5), std: m.scaling.std.slice(0, 5) } };
    expect(() => validatePolicyNetFile(fewer, 'f.json')).toThrow(/weights must be/); // layer 0 no longer matches
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-model-'));
    const file = path.join(dir, 'alloc.json');
    writeFileSync(file, JSON.stringify(randomModel('allocator')));
    // An allocator model (11 features) given where a queue model (8) is needed.
    expect(() => loadPolicyNetFile(file, 'allocator', QUEUE_FEATURES)).toThrow(/has 11 features.*computes 8/);
    expect(() => loadPolicyNetFile(file, 'queue', QUEUE_FEATURES)).toThrow(/allocator model; a queue model is needed/);
    expect(loadPolicyNetFile(file, 'allocator', ALLOCATOR_FEATURES).features).toEqual(ALLOCATOR_FEATURES);
  });

  it('gives a user error for an unknown shipped model name and for a malformed file', () => {
    expect(() => loadPolicyNetFile('no-such-model', 'queue', QUEUE_FEATURES)).toThrow(UserError);
    expect(() => loadPolicyNetFile('no-such-model', 'queue', QUEUE_FEATURES)).toThrow(/no shipped queue model named 'no-such-model'/);
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-model-'));
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{"format": 1,');
    expect(() => loadPolicyNetFile(file, 'queue', QUEUE_FEATURES)).toThrow(/not valid JSON/);
  });

  it('an unknown model name lists the shipped models of its kind, and says when it names a model of the other kind', () => {
    const msg = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(msg(() => loadPolicyNetFile('nope', 'queue', QUEUE_FEATURES))).toMatch(/no shipped queue model named 'nope' \(looked for .*\); shipped queue models: hpc2n, lublin-1, sdsc-sp2, or give a \.json file$/);
    expect(msg(() => loadPolicyNetFile('nope', 'allocator', ALLOCATOR_FEATURES))).toMatch(/; shipped allocator models: agent-fleet, or give a \.json file$/);
    expect(msg(() => loadPolicyNetFile('agent-fleet', 'queue', QUEUE_FEATURES))).toMatch(/; 'agent-fleet' is an allocator model; shipped queue models: hpc2n, lublin-1, sdsc-sp2,/);
    expect(msg(() => loadPolicyNetFile('hpc2n', 'allocator', ALLOCATOR_FEATURES))).toMatch(/; 'hpc2n' is a queue model; shipped allocator models: agent-fleet,/);
  });

  it('a model file that is not valid JSON is refused with the line of the error, when JSON.parse gives its position', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drs-model-'));
    const cut = path.join(dir, 'cut.json');
    // Truncated in the middle of a list on line 4 (a model file cut short while it was copied).
    writeFileSync(cut, '{\n  "format": 1,\n  "kind": "queue",\n  "features": ["log-wait", 3');
    expect(() => loadPolicyNetFile(cut, 'queue', QUEUE_FEATURES)).toThrow(ConfigError);
    expect(() => loadPolicyNetFile(cut, 'queue', QUEUE_FEATURES)).toThrow(`${cut}:4: model file is not valid JSON`);
    const ended = path.join(dir, 'ended.json');
    writeFileSync(ended, '{\n  "format": 1,\n  "kind": "queue"');
    expect(() => loadPolicyNetFile(ended, 'queue', QUEUE_FEATURES)).toThrow(`${ended}:3: model file is not valid JSON`);
  });

  it('says which part of a layer is wrong: a non-numeric weight or bias entry, or a bias the weights contradict', () => {
    const m = randomModel('queue', 1, []); // one linear layer: 8 weights, 1 bias
    const layer = m.layers[0] as { weights: number[]; bias: number[]; activation: string };
    const withLayer = (l: Record<string, unknown>): unknown => ({ ...m, layers: [{ ...layer, ...l }] });
    expect(() => validatePolicyNetFile(withLayer({ weights: [...layer.weights.slice(0, 7), null] }), 'w.json')).toThrow(/field 'layers\[0\]\.weights'.*weights must be finite numbers: entry 7 is null/);
    expect(() => validatePolicyNetFile(withLayer({ bias: ['1e400'] }), 'w.json')).toThrow(/field 'layers\[0\]\.bias'.*finite numbers: entry 0 is "1e400"/);
    expect(() => validatePolicyNetFile(withLayer({ bias: [0, 0] }), 'w.json')).toThrow(/field 'layers\[0\]\.bias'.*bias has 2 entries, but the layer's 8 weights over 8 inputs make 1 output/);
    expect(() => validatePolicyNetFile(withLayer({ weights: layer.weights.slice(0, 5) }), 'w.json')).toThrow(/field 'layers\[0\]\.weights'.*must be 1×8 = 8 numbers \(outputs × inputs\), got 5/);
  });
});
