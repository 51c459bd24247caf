import { invalidParameter, missingParameter } from './errors.js';

/**
 * Typed access to RPC parameters. On the wire every value is a string (ICE RPC style), so each
 * getter parses and validates, and raises MissingParameter / InvalidParameter naming the
 * parameter and the rule it broke.
 */
export class Params {
  constructor(private readonly values: Readonly<Record<string, string>>) {}

  has(name: string): boolean {
    const value = this.values[name];
    return value !== undefined && value !== '';
  }

  raw(name: string): string | undefined {
    const value = this.values[name];
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, rule: StringRule & { required: true }): string;
  string(name: string, rule?: StringRule): string | undefined;
  string(name: string, rule: StringRule = {}): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (rule.required) throw missingParameter(name);
      return rule.default;
    }
    const max = rule.maxLength ?? 4096;
    if (Buffer.byteLength(value, 'utf8') > max) {
      throw invalidParameter(name, `it must be at most ${max} bytes long.`);
    }
    if (rule.pattern && !rule.pattern.test(value)) {
      throw invalidParameter(name, rule.patternHint ?? `"${value}" does not match ${rule.pattern}.`);
    }
    return value;
  }

  requiredString(name: string, rule: StringRule = {}): string {
    return this.string(name, { ...rule, required: true });
  }

  integer(name: string, rule: { default: number; min: number; max: number }): number {
    const value = this.raw(name);
    if (value === undefined) return rule.default;
    if (!/^-?\d+$/.test(value.trim())) throw invalidParameter(name, `"${value}" is not a whole number.`);
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < rule.min || number > rule.max) {
      throw invalidParameter(name, `it must be from ${rule.min} to ${rule.max}, got ${value}.`);
    }
    return number;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw invalidParameter(name, `it must be "true" or "false", got "${value}".`);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw invalidParameter(name, `"${value}" is not one of ${allowed.join(', ')}.`);
    }
    return value as T;
  }

  requiredOneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.oneOf(name, allowed);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  /** A parameter whose string value is a JSON object (CustomFilters, MsgBody, SearchLibConfig…). */
  jsonObject(name: string, options: { required?: boolean; maxLength?: number } = {}): Record<string, unknown> | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.required) throw missingParameter(name);
      return undefined;
    }
    const max = options.maxLength ?? 64 * 1024;
    if (value.length > max) throw invalidParameter(name, `it must be at most ${max} characters of JSON.`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw invalidParameter(name, `it is not valid JSON (${(error as Error).message}).`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidParameter(name, 'it must be a JSON object such as {"key": "value"}.');
    }
    return parsed as Record<string, unknown>;
  }

  /** A comma-separated list (SearchIndexJobRerun MediaIds, Task). */
  list(name: string, options: { required?: boolean; maxItems: number }): string[] {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.required) throw missingParameter(name);
      return [];
    }
    const items = [...new Set(value.split(',').map((item) => item.trim()).filter(Boolean))];
    if (items.length === 0 && options.required) throw missingParameter(name);
    if (items.length > options.maxItems) {
      throw invalidParameter(name, `it lists ${items.length} values; at most ${options.maxItems} are allowed.`);
    }
    return items;
  }

  /** PageNo/PageSize (or the recognition actions' PageNumber/PageSize) as offset and limit. */
  page(pageNumberName = 'PageNo'): { pageNo: number; pageSize: number; offset: number } {
    const pageNo = this.integer(pageNumberName, { default: 1, min: 1, max: 1_000_000 });
    const pageSize = this.integer('PageSize', { default: 10, min: 1, max: 50 });
    return { pageNo, pageSize, offset: (pageNo - 1) * pageSize };
  }
}

export interface StringRule {
  required?: boolean;
  default?: string;
  /** In UTF-8 bytes, as the ICE limits are stated. */
  maxLength?: number;
  pattern?: RegExp;
  patternHint?: string;
}
