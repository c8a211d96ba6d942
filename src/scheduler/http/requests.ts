import type { RequestStatus, ScheduleRequest } from '../types.js';
import { HttpError } from './errors.js';
import { ID_SEPARATOR, scopedId, type Principal } from './ids.js';
import type { AllocationBody } from './schemas.js';

/** The form of a bare id (schemas.ts `ID`), and the message a body with another form gets. */
const BARE_ID = /^[A-Za-z0-9._:@-]{1,200}$/;
const BARE_ID_MESSAGE = 'an id is 1-200 characters of letters, digits and . _ : @ -';

/**
 * A request body as the scheduler's request, in the service's id space (ids.ts): the request's
 * tenant (a tenant token's own; 403 for another), its id scoped `tenant~id`, and:
 *
 * - `dependsOn`: each id in the caller's space. A tenant token names its own ids bare; an admin
 *   names a bare id of the body's tenant or a scoped one (`team-a~job-1`) of that same tenant. A
 *   request depends only on requests of its own tenant, so a tenant can neither wait for nor learn
 *   about another's: `other~id` is not an id a tenant token may write (the same 400 as any badly
 *   formed id), and a bare id is its own, so another tenant's id is as unknown as one never
 *   submitted (the same 400). Each must be known now (queued, allocated or recently ended), as the
 *   library requires; the 400 names `dependsOn[i]` and the id as the caller wrote it.
 * - `concurrency.group`: a group belongs to the request's tenant (stored as `tenant~group`), so a
 *   tenant's requests never count against, fill or wait for another tenant's group of that name.
 */
export function toScheduleRequest(p: Principal, body: AllocationBody, o: { readonly newId: () => string; readonly status: (id: string) => RequestStatus }): ScheduleRequest {
  if (!p.admin && body.tenant !== undefined && body.tenant !== p.tenant) throw new HttpError(403, 'forbidden', `a '${p.tenant}' token may only allocate for tenant '${p.tenant}'`, 'tenant');
  const tenant = p.admin ? (body.tenant ?? p.tenant ?? 'default') : p.tenant;
  const id = scopedId(tenant, body.id ?? o.newId());
  const { dependsOn, concurrency, ...rest } = body;
  const out: { -readonly [K in keyof ScheduleRequest]: ScheduleRequest[K] } = { ...rest, tenant, id };
  if (dependsOn !== undefined) {
    // Every id's form first, then whether each is there to wait for.
    const deps = dependsOn.map((named, i) => dependencyId(p, tenant, named, `dependsOn[${i}]`));
    deps.forEach((dep, i) => {
      const field = `dependsOn[${i}]`;
      const named = dependsOn[i] as string;
      if (dep === id) throw new HttpError(400, 'invalid-request', `${field}: a request cannot depend on itself ('${named}')`, field);
      if (o.status(dep).status === 'unknown') {
        throw new HttpError(400, 'invalid-request', `${field}: no request '${named}' to wait for (a dependency must be submitted before its dependents: queued, allocated or recently ended)`, field);
      }
    });
    out.dependsOn = deps;
  }
  if (concurrency !== undefined) out.concurrency = { group: scopedId(tenant, concurrency.group), limit: concurrency.limit };
  return out;
}

/** The stored id `named` means in a dependency of a request of `tenant` (400 naming `field` if it may not). */
function dependencyId(p: Principal, tenant: string, named: string, field: string): string {
  const cut = named.lastIndexOf(ID_SEPARATOR);
  if (cut < 0 || !p.admin) {
    if (!BARE_ID.test(named)) throw new HttpError(400, 'invalid-body', `${field}: ${BARE_ID_MESSAGE}`, field);
    return scopedId(tenant, named);
  }
  const owner = named.slice(0, cut);
  if (!BARE_ID.test(named.slice(cut + 1))) throw new HttpError(400, 'invalid-body', `${field}: ${BARE_ID_MESSAGE} (scoped: TENANT~ID)`, field);
  if (owner !== tenant) throw new HttpError(400, 'invalid-request', `${field}: '${named}' is a request of tenant '${owner}'; a request of tenant '${tenant}' may depend only on its own tenant's requests`, field);
  return named;
}
