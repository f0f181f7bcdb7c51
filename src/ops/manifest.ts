import { z } from 'zod';

/** What `manifest.json` in a backup archive says; checked before a restore touches anything. */
export const BACKUP_FORMAT = 'hub-1022-backup';
export const BACKUP_FORMAT_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int(),
  createdAt: z.string(),
  engine: z.enum(['pglite', 'postgres']),
  serverVersion: z.string(),
  /** schema_migrations of the source, in order: the restore builds exactly this schema first. */
  migrations: z.array(z.string()),
  /** In load order (referenced tables first). */
  tables: z.array(z.object({
    name: z.string(),
    file: z.string(),
    columns: z.array(z.object({ name: z.string(), type: z.string() })),
    rows: z.number().int().min(0),
    bytes: z.number().int().min(0),
    sha256,
  })),
  /** State of every sequence (int8 as text: values may exceed 2^53). */
  sequences: z.array(z.object({
    name: z.string(),
    table: z.string().nullable(),
    column: z.string().nullable(),
    lastValue: z.string().regex(/^-?\d+$/),
    isCalled: z.boolean(),
  })),
  attachments: z.array(z.object({ key: z.string(), file: z.string(), size: z.number().int().min(0), sha256 })),
  /** Rows of `attachments` whose file the store did not have when the backup ran. */
  missingAttachments: z.array(z.string()),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type TableManifest = Manifest['tables'][number];

export const MANIFEST_FILE = 'manifest.json';
export const tableFile = (table: string) => `tables/${table}.tsv`;
export const attachmentFile = (key: string) => `attachments/${key}`;

export type BackupErrorCode =
  | 'archive_corrupt' | 'archive_unsupported' | 'target_not_empty' | 'schema_mismatch'
  | 'verification_failed' | 'attachment_unreadable' | 'output_exists';

/** A refusal an operator can act on: a stable code, Vietnamese first, then English. */
export class BackupError extends Error {
  constructor(readonly code: BackupErrorCode, readonly messageVi: string, readonly messageEn: string, readonly details?: unknown) {
    super(`${messageVi} / ${messageEn}`);
    this.name = 'BackupError';
  }
}
