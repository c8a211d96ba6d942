import type { z } from 'zod';
import { DOCS, deepestIssue, formatPath, issuePath, KEY_HINTS, plainMessage } from '../../core/plain-issue.js';

/** A refusal with its HTTP status and a stable `code` (the body is `{ error: { code, message, field? } }`). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** More fields of the error body (e.g. `leader` on a standby's 503). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Validate a body (or query) with zod; the first issue becomes a 400 naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const res = schema.safeParse(body, KEY_HINTS); // an unknown key or value names the nearest known one
  if (res.success) return res.data;
  const first = res.error.issues[0];
  const issue = first === undefined ? undefined : deepestIssue(first);
  const path = issue === undefined ? [] : issuePath(issue);
  const field = formatPath(path);
  throw new HttpError(400, 'invalid-body', `${field === '' ? 'body' : field}: ${issue === undefined ? 'invalid' : plainMessage(issue, DOCS.serve)}`, field === '' ? undefined : field);
}
