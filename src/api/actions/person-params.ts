import { invalidParameter, missingParameter } from '../errors.js';
import type { Params } from '../params.js';

/** A person id as ListPersons returns it. */
export function personId(params: Params): number {
  if (!params.has('PersonId')) throw missingParameter('PersonId');
  return params.integer('PersonId', { default: 0, min: 1, max: Number.MAX_SAFE_INTEGER });
}

/** `PersonIds`: comma-separated person ids. */
export function personIds(params: Params): number[] {
  return params.list('PersonIds', { required: true, maxItems: 50 }).map((text) => {
    const id = Number(text);
    if (!Number.isSafeInteger(id) || id < 1) throw invalidParameter('PersonIds', `"${text}" is not a person id; ids are positive integers from ListPersons.`);
    return id;
  });
}

/** A person's name: what people type, at most ICE's 64 bytes for an EntityName. */
export function personName(params: Params): string {
  const name = params.requiredString('Name', { maxLength: 64 }).trim();
  if (name === '') throw invalidParameter('Name', 'a name needs at least one visible character.');
  return name;
}
