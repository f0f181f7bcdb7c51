/** Reading labelled JSONL files (training, held-out, operator corrections), validated line by line. */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type LabelledExample, PRIORITIES } from './classifier';

const lineSchema = z.object({
  text: z.string().min(1),
  category: z.string().min(1),
  priority: z.enum(PRIORITIES),
});

export class DatasetError extends Error {}

/** Parses JSONL text; blank lines are skipped, any other bad line throws with its line number. */
export function parseJsonl(content: string, source = 'input'): LabelledExample[] {
  const out: LabelledExample[] = [];
  content.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new DatasetError(`${source}:${i + 1}: không phải JSON hợp lệ (invalid JSON)`);
    }
    const parsed = lineSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DatasetError(`${source}:${i + 1}: ${issue.path.join('.') || 'line'}: ${issue.message}`);
    }
    out.push({ text: parsed.data.text, category: parsed.data.category, priority: parsed.data.priority });
  });
  return out;
}

export function readJsonlFile(file: string): LabelledExample[] {
  let content: string;
  try {
    content = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DatasetError(`Không đọc được tệp ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseJsonl(content, file);
}

/** Every *.jsonl in `dir` (sorted), except held-out files, which must never reach training. */
export function listTrainingFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl') && !f.startsWith('heldout'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** data/classify of the repository, from src/classify, dist/classify or the repository root. */
export function classifyDataDir(): string {
  const candidates = [path.resolve(__dirname, '../../data/classify'), path.resolve(process.cwd(), 'data/classify')];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
}
