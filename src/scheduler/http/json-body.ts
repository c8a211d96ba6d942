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

/** The path of the first key `__proto__` (or `constructor` holding `prototype`) in a parsed JSON value, if any. */
export function prototypeKey(v: unknown, path: readonly string[]): string[] | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = prototypeKey(v[i], [...path, String(i)]);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  for (const k of Object.keys(v)) {
    const child = (v as Record<string, unknown>)[k];
    if (k === '__proto__') return [...path, k];
    if (k === 'constructor' && typeof child === 'object' && child !== null && Object.prototype.hasOwnProperty.call(child, 'prototype')) return [...path, k, 'prototype'];
    const p = prototypeKey(child, [...path, k]);
    if (p !== undefined) return p;
  }
  return undefined;
}
