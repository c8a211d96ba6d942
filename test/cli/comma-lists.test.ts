import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFlag } from '../../src/cli/args.js';
import { parseSeeds } from '../../src/cli/replay-openb.js';
import { drs, ROOT, tmpFile } from './helpers.js';

/*
 * A comma list with an empty entry (`--strategies 'first-fit,'`, `a,,b`) lost the entry without
 * a word: the run went ahead with fewer names than the user may have meant (a name dropped by a
 * shell variable that was unset). Every comma-list flag refuses it, naming the flag, the list and
 * the entry's position (exit 2); a list with no entry at all keeps its "needs at least one" error.
 */

const SCENARIO = path.join(ROOT, 'scenarios/default.yaml');

describe('comma-list flags: an empty entry is refused', () => {
  it('the shared reader names the flag, the list and the position', () => {
    expect(listFlag('a, b ,c', 'strategies')).toEqual(['a', 'b', 'c']);
    expect(listFlag(' , ', 'strategies')).toEqual([]);
    expect(listFlag('', 'strategies')).toEqual([]);
    expect(() => listFlag('first-fit,', 'strategies')).toThrow("--strategies has an empty entry (entry 2 of 'first-fit,'): separate the entries with single commas, with none at either end");
    expect(() => listFlag('a,,b', 'seeds')).toThrow("--seeds has an empty entry (entry 2 of 'a,,b')");
    expect(() => listFlag(',a', 'seeds')).toThrow("--seeds has an empty entry (entry 1 of ',a')");
    expect(() => parseSeeds('1,,3')).toThrow("--seeds has an empty entry (entry 2 of '1,,3')");
  });

  it('every command that reads a comma list', async () => {
    const pack = tmpFile('items.txt', '1\n t\n 10 2 1\n4\n5\n');
    const series = tmpFile('series.csv', 'v\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n');
    const empty = (flag: string, list: string, n: number) => `--${flag} has an empty entry (entry ${n} of '${list}'): separate the entries with single commas, with none at either end`;
    const cases: [string[], string][] = [
      [['run', SCENARIO, '--strategies', 'first-fit,', '--quiet'], empty('strategies', 'first-fit,', 2)],
      [['run', SCENARIO, '--strategies', 'first-fit,,worst-fit', '--quiet'], empty('strategies', 'first-fit,,worst-fit', 2)],
      [['pack', pack, '--strategies', 'ffd,'], empty('strategies', 'ffd,', 2)],
      [['replay-openb', 'pods.csv', '--nodes', 'nodes.csv', '--policies', 'fgd,'], empty('policies', 'fgd,', 2)],
      [['replay-openb', 'pods.csv', '--nodes', 'nodes.csv', '--seeds', '1,,2'], empty('seeds', '1,,2', 2)],
      [['forecast', series, '--models', 'naive,'], empty('models', 'naive,', 2)],
      [['replay-swf', 'x.swf', '--windows', '0,'], empty('windows', '0,', 2)],
    ];
    for (const [argv, err] of cases) {
      const r = await drs(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toContain(err);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('replay-openb --seeds: a bad range says the expected form', () => {
  it("a backwards or too long range names what is expected (was: \"bad seed range '5-1'\")", async () => {
    expect(() => parseSeeds('5-1')).toThrow("seed range '5-1' runs backwards: write the lower seed first, e.g. 1-5");
    expect(() => parseSeeds('1-20000')).toThrow("seed range '1-20000' holds 20000 seeds; a range holds at most 10001 (each seed is one run of every policy)");
    expect(parseSeeds('3-3')).toEqual([3]);
    expect(parseSeeds('0-10000')).toHaveLength(10001);
    const r = await drs(['replay-openb', 'pods.csv', '--nodes', 'nodes.csv', '--seeds', '5-1']);
    expect({ code: r.code, err: r.err }).toEqual({ code: 2, err: "drs replay-openb: field '--seeds': seed range '5-1' runs backwards: write the lower seed first, e.g. 1-5\n" });
  });
});

describe('comma-list flags: a repeated entry is refused', () => {
  it("drs run and drs pack --strategies (was: 'first-fit,first-fit' ran first-fit once without a word)", async () => {
    const pack = tmpFile('items.txt', '1\n t\n 10 2 1\n4\n5\n');
    const cases: [string[], string][] = [
      [['run', SCENARIO, '--strategies', 'first-fit,first-fit', '--quiet'], "drs run: field 'strategies': --strategies lists 'first-fit' twice (each strategy runs once)\n"],
      [['pack', pack, '--strategies', 'ffd, bfd,ffd'], "drs pack: field '--strategies': --strategies lists 'ffd' twice (each strategy runs once)\n"],
    ];
    for (const [argv, err] of cases) {
      const r = await drs(argv);
      expect({ code: r.code, err: r.err, out: r.out }, argv.join(' ')).toEqual({ code: 2, err, out: '' });
    }
  });
});
