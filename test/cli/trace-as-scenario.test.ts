import { describe, expect, it } from 'vitest';
import { drs, tmpFile } from './helpers.js';

/*
 * A trace file given where a scenario is expected (`drs run log.swf`) was parsed as YAML: "invalid
 * YAML: Implicit keys need to be on a single line" at line 1, or "unknown key '; Version'". The
 * name says it is a trace: the error says what the command expects and how to run the trace.
 */
const SWF = '; Version: 2.2\n    1      0     10    100    4   -1   -1    4   200   -1  1   1   1   1   1   -1   -1   -1\n';

describe('a trace file where a scenario is expected', () => {
  it('drs run and drs validate name the file, what they expect, and the way to run a trace', async () => {
    const cases: [string, string][] = [
      [tmpFile('log.swf', SWF), 'an SWF log'],
      [tmpFile('log.SWF.gz', SWF), 'an SWF log'],
      [tmpFile('t.csv', 'a,b\n1,2\n'), 'a CSV trace'],
      [tmpFile('t.jsonl', '{"a": 1}\n{"a": 2}\n'), 'a JSON Lines trace'],
    ];
    for (const [file, what] of cases) {
      for (const cmd of ['run', 'validate']) {
        const r = await drs([cmd, file]);
        expect(r.code, `${cmd} ${file}`).toBe(2);
        expect(r.err, `${cmd} ${file}`).toBe(
          `drs ${cmd}: ${file}: this is ${what}, not a scenario: a scenario YAML file is expected here (e.g. scenarios/default.yaml). To run the trace, name it in a scenario's trace: field (trace: { kind: ${what === 'an SWF log' ? 'swf' : '...'}, file: ... }, see docs/traces.md)${what === 'an SWF log' ? ', or replay it with drs replay-swf FILE' : ''}\n`,
        );
      }
    }
  });

  it('a YAML scenario with another name is still read as a scenario', async () => {
    const r = await drs(['validate', tmpFile('s.txt', 'name: x\n')]);
    expect(r.err).not.toContain('not a scenario');
  });
});
