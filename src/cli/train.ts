/**
 * npm run train: trains the report classifier on data/classify/train/*.jsonl, operator corrections
 * in data/classify/corrections/*.jsonl and those recorded in the hub's database (DATABASE_URL, or
 * the embedded one in DATA_DIR when it exists; `--no-db` skips it), never heldout*.jsonl, and
 * writes data/classify/model.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type LabelledExample, type ModelJson, trainClassifier } from '../classify/classifier';
import { classifyDataDir, listTrainingFiles, readJsonlFile } from '../classify/dataset';
import { loadConfig } from '../config';
import { FeedbackStore } from '../db/feedback-store';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';

export interface TrainResult {
  model: ModelJson;
  files: string[];
  examples: number;
  perCategory: Record<string, number>;
  perPriority: Record<string, number>;
  millis: number;
}

/**
 * Trains on `dir`/train/*.jsonl and `dir`/corrections/*.jsonl plus `extraExamples` (e.g. operator
 * corrections read from the database). `dir` is the data/classify folder.
 */
export function trainFromFiles(dir: string, extraExamples: LabelledExample[] = []): TrainResult {
  const files = [...listTrainingFiles(path.join(dir, 'train')), ...listTrainingFiles(path.join(dir, 'corrections'))];
  const examples = [...files.flatMap((f) => readJsonlFile(f)), ...extraExamples];
  const started = performance.now();
  const model = trainClassifier(examples);
  const millis = Math.round(performance.now() - started);
  return { model, files, examples: examples.length, perCategory: countBy(examples, (e) => e.category), perPriority: countBy(examples, (e) => e.priority), millis };
}

export function writeModel(model: ModelJson, file: string): number {
  const json = JSON.stringify(model);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
  return Buffer.byteLength(json);
}

function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

/** Operators' corrections from the database, or none when there is no database to read. */
async function databaseCorrections(): Promise<{ examples: LabelledExample[]; done(at: Date): Promise<void>; source: string }> {
  const none = { examples: [], done: async () => undefined, source: 'none' };
  if (process.argv.includes('--no-db')) return none;
  const config = loadConfig();
  if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'pglite'))) return none;
  const db = await openDatabase(config);
  try {
    await migrate(db);
    const store = new FeedbackStore(db);
    const rows = await store.corrections();
    return {
      examples: rows.map((r) => ({ text: r.text, category: r.category, priority: r.priority })),
      source: config.databaseUrl ? 'DATABASE_URL' : path.join(config.dataDir, 'pglite'),
      async done(at) { try { await store.markTrained(rows.map((r) => r.id), at); } finally { await db.close(); } },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}

async function main(): Promise<void> {
  const dir = classifyDataDir();
  const corrections = await databaseCorrections();
  const result = trainFromFiles(dir, corrections.examples);
  if (result.examples === 0) throw new Error(`Không có dữ liệu huấn luyện trong ${path.join(dir, 'train')} (no *.jsonl training files)`);
  const out = path.join(dir, 'model.json');
  const bytes = writeModel(result.model, out);
  const lines = [
    `files: ${result.files.map((f) => path.relative(dir, f)).join(', ')}`,
    `examples: ${result.examples} (of which ${corrections.examples.length} operator corrections from the database: ${corrections.source})`,
    'per category:',
    ...Object.entries(result.perCategory).sort().map(([k, v]) => `  ${k.padEnd(16)} ${v}`),
    `per priority: ${Object.entries(result.perPriority).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `features: ${result.model.vocabulary.features.length}`,
    `training time: ${(result.millis / 1000).toFixed(2)} s`,
    `wrote ${out} (${(bytes / 1024 / 1024).toFixed(2)} MB)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  await corrections.done(new Date());
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`train failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
