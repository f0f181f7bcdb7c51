/**
 * npm run eval -- FILE.jsonl [--model model.json] [--errors] [--bench]: accuracy, macro-F1,
 * no-diacritics accuracy, urgent recall/precision, per-category table and confusion matrix.
 * Exits 1 with a message on a missing or malformed file.
 */
import fs from 'node:fs';
import { ReportClassifier } from '../classify/classifier';
import { benchClassifier } from '../classify/bench';
import { readJsonlFile } from '../classify/dataset';
import { evaluate, formatEvaluation } from '../classify/evaluate';

const USAGE = 'Cách dùng (usage): eval FILE.jsonl [--model model.json] [--errors] [--bench]';

/** Runs the evaluation and returns the report text; throws on bad arguments or files. */
export function runEval(argv: string[]): string {
  const modelAt = argv.indexOf('--model');
  const modelFile = modelAt >= 0 ? argv[modelAt + 1] : undefined;
  if (modelAt >= 0 && !modelFile) throw new Error(USAGE);
  const file = argv.find((a, i) => !a.startsWith('--') && (modelAt < 0 || i !== modelAt + 1));
  if (!file) throw new Error(USAGE);
  const examples = readJsonlFile(file);
  if (examples.length === 0) throw new Error(`${file}: tệp rỗng (no examples)`);
  const classifier = modelFile ? ReportClassifier.fromModel(JSON.parse(fs.readFileSync(modelFile, 'utf8'))) : ReportClassifier.loadDefault();
  const ev = evaluate(classifier, examples);
  let out = formatEvaluation(ev) + '\n';
  if (argv.includes('--errors')) {
    out += '\nErrors:\n' + ev.errors.map((e) => `  [${e.expected} → ${e.predicted} ${e.confidence.toFixed(2)}] ${e.text}\n`).join('');
  }
  if (argv.includes('--bench')) {
    const b = benchClassifier(classifier, examples.map((e) => e.text));
    out += `\nbench (1 core): ${b.perSecond} classifications/s, p99 ${b.p99Micros} µs\n`;
  }
  return out;
}

if (require.main === module) {
  try {
    process.stdout.write(runEval(process.argv.slice(2)));
  } catch (e) {
    process.stderr.write(`eval failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
