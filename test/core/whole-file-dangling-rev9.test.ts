import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileWhole, writeFolderWhole } from '../../src/core/whole-file.js';

/**
 * A symbolic link whose file does not exist yet (`out/latest.json -> runs/42.json`): the file it
 * names is created and the link stays, as through an existing file and as writeFileSync did for
 * generate-swf, serve-config --out, the model file and the sweep's results before they wrote
 * whole. (The rename replaced the link itself with a regular file, and runs/42.json never came.)
 */
const dir = mkdtempSync(path.join(tmpdir(), 'drs-dangling-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileWhole through a link to a file not there yet (rev9)', () => {
  it('creates the file the link names and keeps the link', () => {
    const d = path.join(dir, 'a');
    mkdirSync(path.join(d, 'runs'), { recursive: true });
    const link = path.join(d, 'latest.json');
    symlinkSync('runs/42.json', link);
    writeFileWhole(link, '{"a":1}\n');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('runs/42.json');
    expect(readFileSync(path.join(d, 'runs', '42.json'), 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(d).sort()).toEqual(['latest.json', 'runs']);
    expect(readdirSync(path.join(d, 'runs'))).toEqual(['42.json']);
  });

  it("follows a chain of links (relative to each link's folder)", () => {
    const d = path.join(dir, 'b');
    mkdirSync(path.join(d, 'x', 'y'), { recursive: true });
    symlinkSync('x/next', path.join(d, 'first'));
    symlinkSync('y/final.txt', path.join(d, 'x', 'next'));
    writeFileWhole(path.join(d, 'first'), 'data');
    expect(readFileSync(path.join(d, 'x', 'y', 'final.txt'), 'utf8')).toBe('data');
    expect(lstatSync(path.join(d, 'first')).isSymbolicLink()).toBe(true);
    expect(lstatSync(path.join(d, 'x', 'next')).isSymbolicLink()).toBe(true);
  });

  it('a link into a folder that does not exist fails as writeFileSync did (ENOENT), leaving the link', () => {
    const d = path.join(dir, 'c');
    mkdirSync(d);
    const link = path.join(d, 'out.json');
    symlinkSync('missing/out.json', link);
    expect(() => writeFileWhole(link, 'x')).toThrow(/ENOENT/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(d)).toEqual(['out.json']);
  });

  it('writeFolderWhole: a link to a folder not there yet gets that folder, and the link stays', () => {
    const d = path.join(dir, 'd');
    mkdirSync(path.join(d, 'models'), { recursive: true });
    const link = path.join(d, 'current');
    symlinkSync('models/v2', link);
    writeFolderWhole(link, { 'a.json': '{}' });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(d, 'models', 'v2', 'a.json'), 'utf8')).toBe('{}');
    expect(readdirSync(d).sort()).toEqual(['current', 'models']);
  });
});
