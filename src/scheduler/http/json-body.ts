import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './errors.js';

/**
 * The JSON body parser of the service, in place of fastify's, so that each refusal says what is
 * wrong: malformed JSON gets JSON.parse's reason (`invalid-json`), and a key that could change an
 * object's prototype (`__proto__`, or `constructor` holding `prototype`) is refused naming where it
 * is (`invalid-body`, field `__proto__`, `labels.__proto__`, …), where fastify said only "Body is
 * not valid JSON". Such keys are refused, not dropped: no field of the API has those names, so
 * one is a mistake or an attack either way, and the caller learns which.
 */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(new HttpError(400, 'invalid-json', 'the body is empty: expected a JSON object'));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      done(new HttpError(400, 'invalid-json', `the body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const path = prototypeKey(value, []);
    if (path !== undefined) {
      const field = path.join('.');
      done(new HttpError(400, 'invalid-body', `${field}: the key '${path[path.length - 1] as string}' is not allowed in a body (it could change the prototype of an object built from it); no field of the API has this name`, field));
      return;
    }
    done(null, value);
  });
}

/** A key on the way down to a value (linked to its parent: a deep path is not copied at each level). */
interface Step {
  readonly key: string;
  readonly up: Step | undefined;
}

/**
 * The path of the first key `__proto__` (or `constructor` holding `prototype`) in a parsed JSON
 * value, in document order, if any. An explicit stack, not recursion: JSON.parse accepts nesting
 * far deeper than the call stack (10,000 levels are 20 KB of body), which overflowed it (a 500).
 */
export function prototypeKey(v: unknown, path: readonly string[]): string[] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  interface Frame {
    readonly value: Record<string, unknown>;
    readonly keys: readonly string[];
    readonly isArray: boolean;
    next: number;
    readonly at: Step | undefined;
  }
  const frame = (value: object, at: Step | undefined): Frame => ({ value: value as Record<string, unknown>, keys: Object.keys(value), isArray: Array.isArray(value), next: 0, at });
  const pathTo = (at: Step, ...more: string[]): string[] => {
    const keys: string[] = [];
    for (let s: Step | undefined = at; s !== undefined; s = s.up) keys.push(s.key);
    return [...path, ...keys.reverse(), ...more];
  };
  const stack: Frame[] = [frame(v, undefined)];
  while (stack.length > 0) {
    const f = stack[stack.length - 1] as Frame;
    if (f.next === f.keys.length) {
      stack.pop();
      continue;
    }
    const k = f.keys[f.next++] as string;
    const child = f.value[k];
    const at: Step = { key: k, up: f.at };
    if (!f.isArray) {
      if (k === '__proto__') return pathTo(at);
      if (k === 'constructor' && typeof child === 'object' && child !== null && Object.prototype.hasOwnProperty.call(child, 'prototype')) return pathTo(at, 'prototype');
    }
    if (typeof child === 'object' && child !== null) stack.push(frame(child, at));
  }
  return undefined;
}
