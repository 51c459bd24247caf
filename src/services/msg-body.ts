import { invalidParameter } from '../api/errors.js';
import type { AssetMetadata, CustomFields } from '../types.js';

const CUSTOM_FIELDS = ['intField1', 'strField1', 'strField2'] as const;
const INT_FIELD_LIMIT = 2 ** 53 - 1;

/**
 * Reads the ICE `MsgBody` JSON: `title`, `description`, `tags` (array or comma-separated string),
 * `customFields` over the three backing fields, and `utcCreate` (Unix ms; a mediasearch extension
 * for importing archives with their real dates). Other top-level keys are kept verbatim.
 * On update `null` clears a field (`customFields: null` clears all three); utcCreate cannot be cleared.
 */
export function parseMsgBody(body: Record<string, unknown>): AssetMetadata {
  const metadata: AssetMetadata = {};
  if ('title' in body) metadata.title = optionalText(body.title, 'title', 256);
  if ('description' in body) metadata.description = optionalText(body.description, 'description', 4096);
  if ('tags' in body) metadata.tags = parseTags(body.tags);
  if ('utcCreate' in body) {
    const value = body.utcCreate;
    if (!Number.isSafeInteger(value) || (value as number) < 0) {
      throw invalidParameter('MsgBody', 'utcCreate must be a non-negative whole number of Unix milliseconds.');
    }
    metadata.utcCreate = value as number;
  }
  if ('customFields' in body) metadata.customFields = parseCustomFields(body.customFields);
  return metadata;
}

function optionalText(value: unknown, field: string, maxLength: number): string | null {
  if (value === null) return null;
  if (typeof value !== 'string') throw invalidParameter('MsgBody', `${field} must be a string.`);
  if (value.length > maxLength) throw invalidParameter('MsgBody', `${field} must be at most ${maxLength} characters.`);
  return value;
}

function parseTags(value: unknown): string[] | null {
  if (value === null) return null;
  const tags = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string')) {
    throw invalidParameter('MsgBody', 'tags must be an array of strings or a comma-separated string.');
  }
  const cleaned = [...new Set(tags.map((tag) => tag.trim()).filter(Boolean))];
  if (cleaned.length > 100 || cleaned.some((tag) => tag.length > 128)) {
    throw invalidParameter('MsgBody', 'tags allows at most 100 tags of at most 128 characters each.');
  }
  return cleaned;
}

function parseCustomFields(value: unknown): CustomFields {
  if (value === null) return { intField1: null, strField1: null, strField2: null };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('MsgBody', 'customFields must be an object such as {"intField1": 12, "strField1": "abc"}.');
  }
  const fields: CustomFields = {};
  for (const [key, field] of Object.entries(value)) {
    if (!(CUSTOM_FIELDS as readonly string[]).includes(key)) {
      throw invalidParameter('MsgBody', `customFields has an unknown field "${key}"; allowed: ${CUSTOM_FIELDS.join(', ')}.`);
    }
    if (key === 'intField1') {
      if (field !== null && (!Number.isInteger(field) || Math.abs(field as number) > INT_FIELD_LIMIT)) {
        throw invalidParameter('MsgBody', 'customFields.intField1 must be a whole number.');
      }
      fields.intField1 = field as number | null;
    } else {
      if (field !== null && typeof field !== 'string') {
        throw invalidParameter('MsgBody', `customFields.${key} must be a string.`);
      }
      if (typeof field === 'string' && field.length > 1024) {
        throw invalidParameter('MsgBody', `customFields.${key} must be at most 1024 characters.`);
      }
      fields[key as 'strField1' | 'strField2'] = field as string | null;
    }
  }
  return fields;
}
