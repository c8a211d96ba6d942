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
