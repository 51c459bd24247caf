import type Database from 'better-sqlite3';
import { initialSchema } from './001-initial-schema.js';
import { jobClaims } from './002-job-claims.js';
import { analysisSchema } from './003-analysis.js';
import { textSearchSchema } from './004-text-search.js';
import { vectorChanges } from './005-vector-changes.js';
import { recognitionSchema } from './006-recognition.js';
import { faceSearchSchema } from './007-face-search.js';
import { faceTokenOwner } from './008-face-token-owner.js';

/** Ordered forward migrations; the schema version is the position in this list (PRAGMA user_version). */
export const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  initialSchema,
  jobClaims,
  analysisSchema,
  textSearchSchema,
  vectorChanges,
  recognitionSchema,
  faceSearchSchema,
  faceTokenOwner,
];
