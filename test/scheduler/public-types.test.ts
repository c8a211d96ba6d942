import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Names (values and types) a module exports, as TypeScript resolves them. */
function exportsOf(program: ts.Program, file: string): Set<string> {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(ROOT, file));
  const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (symbol === undefined) throw new Error(`no module ${file}`);
  return new Set(checker.getExportsOfModule(symbol).map((s) => s.name));
}

describe('the package exports the types of its production API', () => {
  it('every public shape of ResourceScheduler (src/scheduler/types.ts) and its option types', () => {
    const program = ts.createProgram([path.join(ROOT, 'src/index.ts')], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
    const api = exportsOf(program, 'src/index.ts');
    // The docs name SchedulerEvents for event payloads; scale(), status(), getPreemptions(),
    // failNode() and a rejection's code return these; the options take QueueOptions and QuotaConfig.
    const needed = [...exportsOf(program, 'src/scheduler/types.ts'), 'QueueOptions', 'QuotaConfig', 'TenantQuota'];
    expect(needed).toContain('SchedulerEvents');
    expect(needed.filter((n) => !api.has(n))).toEqual([]);
  }, 30_000);
});

describe('the package can start drs serve from a config file, as the docs describe', () => {
  it('exports loadServeConfig and parseServeConfig (startServer takes what they return) and the ServeConfig type', async () => {
    const api = await import('../../src/index.js');
    expect(typeof api.loadServeConfig).toBe('function');
    const env = { DRS_ADMIN_TOKEN: 'a'.repeat(24), DRS_RESEARCH_TOKEN: 'r'.repeat(24) };
    const config = api.loadServeConfig(path.join(ROOT, 'examples/serve-config.yaml'), env);
    expect(config.tokens.map((t) => t.admin === true || t.tenant)).toContain('research');
    // A config object written in code is checked the same way (a misspelt field is an error, not dropped).
    expect(() => api.parseServeConfig({ tokens: [], stateFiel: 'x.db' }, 'inline', ROOT)).toThrow(/stateFiel/);
    const program = ts.createProgram([path.join(ROOT, 'src/index.ts')], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
    expect(exportsOf(program, 'src/index.ts')).toContain('ServeConfig');
  }, 30_000);
});

/** Type errors of `code`, a module beside this test that imports the package's source, under tsc --strict. */
function typeErrors(code: string): string[] {
  const file = path.join(ROOT, 'test/scheduler/__snippet__.ts');
  const options: ts.CompilerOptions = { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: ['node'] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => f === file || fileExists(f);
  host.readFile = (f) => (f === file ? code : readFile(f));
  host.getSourceFile = (f, v, ...rest) => (f === file ? ts.createSourceFile(f, code, v) : getSourceFile(f, v, ...rest));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('learned strategies and queue policies by name type-check, as the docs write them', () => {
  it("strategy: 'learned:agent-fleet', queue: 'learned-queue:hpc2n', { name: 'learned', options }", () => {
    const code = [
      "import { ResourceScheduler, type AllocatorName, type QueuePolicyName } from '../../src/index.js';",
      "const names: AllocatorName[] = ['learned', 'learned:agent-fleet', 'learned:./model.json', 'first-fit'];",
      "const queues: QueuePolicyName[] = ['learned-queue', 'learned-queue:hpc2n', 'fcfs'];",
      "const s = new ResourceScheduler({ strategy: 'learned:agent-fleet', queue: 'learned-queue:hpc2n', timers: false });",
      "const t = new ResourceScheduler({ strategy: { name: 'learned', options: { model: 'agent-fleet' }, preemption: true }, queue: { policy: 'learned-queue:lublin-1' } });",
      'export { names, queues, s, t };',
    ].join('\n');
    expect(typeErrors(code)).toEqual([]);
    // The check itself sees type errors: an unknown name is still refused.
    expect(typeErrors(`import { ResourceScheduler } from '../../src/index.js';\nexport const s = new ResourceScheduler({ strategy: 'firstfit' });`)).toHaveLength(1);
  }, 60_000);
});
