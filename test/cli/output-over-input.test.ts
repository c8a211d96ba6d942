import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from './helpers.js';

/*
 * An output flag naming a file the command reads: refused before anything runs, the input left as
 * it was. drs replay-openb --html checked only the folder: `--html pods.csv` replaced the pod list
 * with the chart, exit 0.
 */

const HEAD = 'name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time';
const PODS = `${HEAD}\np0,4000,8192,1,500,,LS,Running,0,100,0\np1,4000,8192,1,700,,LS,Running,0,100,0\n`;
const NODES = 'sn,cpu_milli,memory_mib,gpu,model\nn0,32000,131072,2,V100\nn1,32000,131072,2,T4\n';

describe('drs replay-openb --html naming an input', () => {
  it('the pod list or the node list is refused, and left as it was', async () => {
    const pods = tmpFile('pods.csv', PODS);
    const nodes = tmpFile('nodes.csv', NODES);
    for (const [input, text] of [[pods, PODS], [nodes, NODES]] as const) {
      const r = await drs(['replay-openb', pods, '--nodes', nodes, '--policies', 'best-fit', '--seeds', '1', '--quiet', '--html', input]);
      expect(r.err).toBe(`drs replay-openb: --html ${input}: is a file this command reads; writing it would destroy it\n`);
      expect(r.code).toBe(2);
      expect(readFileSync(input, 'utf8')).toBe(text);
    }
  });

  it('another file is written', async () => {
    const pods = tmpFile('pods.csv', PODS);
    const nodes = tmpFile('nodes.csv', NODES);
    const html = tmpFile('chart.html', '');
    const r = await drs(['replay-openb', pods, '--nodes', nodes, '--policies', 'best-fit', '--seeds', '1', '--quiet', '--html', html]);
    expect(r.code).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/);
  });
});

describe('an output flag given an empty file name', () => {
  it('is refused naming the flag (it was the working folder: "--json : is a folder")', async () => {
    const scenario = tmpFile(
      's.yaml',
      'name: t\ndimensions: [cpu]\npools:\n  - { name: a, capacity: { cpu: 8 }, nodes: 1, pricePerHour: 1 }\ntrace:\n  kind: synthetic\n  count: 5\n  arrival: { rate: 1 }\n  profiles: [{ name: p, demand: { cpu: 1 }, duration: { dist: fixed, value: 3 } }]\nstrategies: [first-fit]\n',
    );
    const pods = tmpFile('pods.csv', PODS);
    const nodes = tmpFile('nodes.csv', NODES);
    const cases: [string[], string][] = [
      [['run', scenario, '--json', '', '--quiet'], "drs run: --json needs a file name, got ''\n"],
      [['run', scenario, '--html=', '--quiet'], "drs run: --html needs a file name, got ''\n"],
      [['serve-config', scenario, '--out', ' '], "drs serve-config: --out needs a file name, got ' '\n"],
      [['replay-openb', pods, '--nodes', nodes, '--html', '', '--quiet'], "drs replay-openb: --html needs a file name, got ''\n"],
      [['generate-swf', '--out', ''], "drs generate-swf: --out needs a file name, got ''\n"],
    ];
    for (const [argv, err] of cases) {
      const r = await drs(argv);
      expect({ code: r.code, err: r.err }, argv.join(' ')).toEqual({ code: 2, err });
    }
  });
});
