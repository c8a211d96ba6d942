import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src') + path.sep;

/**
 * The named types (interfaces, type aliases, classes declared in src/) that a type is made of: the
 * type itself, the members of a union or intersection, type arguments (Promise<T>, T[]). A named
 * type that is exported stops the walk: its parts are its own business.
 */
function namedParts(t: ts.Type, exported: ReadonlySet<string>, out: Set<string>, depth = 0): void {
  if (depth > 3) return;
  const symbol = t.aliasSymbol ?? t.getSymbol();
  const decl = symbol?.declarations?.[0];
  if (symbol !== undefined && decl !== undefined && decl.getSourceFile().fileName.startsWith(SRC) && (ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl) || ts.isClassDeclaration(decl))) {
    if (exported.has(symbol.name)) return;
    out.add(symbol.name);
  }
  if (t.isUnionOrIntersection()) for (const m of t.types) namedParts(m, exported, out, depth + 1);
  for (const a of [...((t as ts.TypeReference).typeArguments ?? []), ...(t.aliasTypeArguments ?? [])]) namedParts(a, exported, out, depth + 1);
}

describe('the public API (src/index.ts)', () => {
  it('exports every named type its functions take or return, so a project can write them down', () => {
    const program = ts.createProgram([path.join(ROOT, 'src/index.ts')], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(path.join(ROOT, 'src/index.ts'));
    const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error('no module src/index.ts');
    const exports = checker.getExportsOfModule(moduleSymbol);
    const exported = new Set(exports.map((s) => s.name));
    // E.g. createForecaster's third argument (ForecasterContext), buildScenario's options and result,
    // computeMetrics' EventLog: reachable only as Parameters<typeof f>[2] before they were exported.
    const missing: string[] = [];
    for (const e of exports) {
      const s = (e.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(e) : e;
      if ((s.flags & ts.SymbolFlags.Function) === 0) continue;
      for (const sig of checker.getTypeOfSymbol(s).getCallSignatures()) {
        const parts = new Set<string>();
        for (const p of sig.getParameters()) namedParts(checker.getTypeOfSymbol(p), exported, parts);
        namedParts(sig.getReturnType(), exported, parts); // Promise<T>: through its type argument
        for (const n of parts) missing.push(`${e.name}: ${n}`);
      }
    }
    expect(exported).toContain('ForecasterContext');
    expect([...new Set(missing)]).toEqual([]);
  }, 60_000);
});
