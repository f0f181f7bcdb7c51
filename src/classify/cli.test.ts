import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runEval } from '../cli/eval';
import { trainFromFiles, writeModel } from '../cli/train';
import { ReportClassifier } from './classifier';

const line = (text: string, category: string, priority = 'normal') => JSON.stringify({ text, category, priority });

describe('train and eval CLIs', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'classify-cli-'));
    fs.mkdirSync(path.join(dir, 'train'));
    fs.mkdirSync(path.join(dir, 'corrections'));
    fs.writeFileSync(path.join(dir, 'train', 'nuoc.jsonl'), [line('mất nước máy cả ngày', 'cap-thoat-nuoc'), line('cống tắc nước tràn', 'cap-thoat-nuoc')].join('\n'));
    fs.writeFileSync(path.join(dir, 'train', 'dien.jsonl'), [line('mất điện cả khu', 'dien-chieu-sang'), line('đèn đường hỏng', 'dien-chieu-sang')].join('\n'));
    fs.writeFileSync(path.join(dir, 'corrections', 'op.jsonl'), line('dây điện đứt rơi xuống đường', 'dien-chieu-sang', 'urgent'));
    // Held-out lines must never be trained on: a category only they have must not appear.
    fs.writeFileSync(path.join(dir, 'train', 'heldout.jsonl'), line('đánh nhau ở quán', 'an-ninh-trat-tu'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true }));

  it('trains on train/ and corrections/ plus extra examples, never on held-out files', () => {
    const r = trainFromFiles(dir, [{ text: 'nước máy đục', category: 'cap-thoat-nuoc', priority: 'normal' }]);
    expect(r.examples).toBe(6);
    expect(r.files.map((f) => path.relative(dir, f))).toEqual(['train/dien.jsonl', 'train/nuoc.jsonl', 'corrections/op.jsonl']);
    expect(r.perCategory).toEqual({ 'cap-thoat-nuoc': 3, 'dien-chieu-sang': 3 });
    expect(r.perPriority).toEqual({ normal: 5, urgent: 1 });
    expect(r.model.category.labels).toEqual(['cap-thoat-nuoc', 'dien-chieu-sang']);
  });

  it('writes a compact model that evaluates from a file', () => {
    const modelFile = path.join(dir, 'model.json');
    const bytes = writeModel(trainFromFiles(dir).model, modelFile);
    expect(bytes).toBe(fs.statSync(modelFile).size);
    expect(ReportClassifier.fromModel(JSON.parse(fs.readFileSync(modelFile, 'utf8'))).classify('mất điện').category).toBe('dien-chieu-sang');
    const evalFile = path.join(dir, 'eval.jsonl');
    fs.writeFileSync(evalFile, [line('mất nước', 'cap-thoat-nuoc'), line('mất điện', 'dien-chieu-sang')].join('\n'));
    const out = runEval([evalFile, '--model', modelFile, '--errors']);
    expect(out).toContain('Macro-F1');
    expect(out).toContain('Confusion matrix');
    expect(out).toContain('Errors:');
  });

  it('fails clearly on bad input', () => {
    expect(() => runEval([])).toThrow(/usage/);
    expect(() => runEval([path.join(dir, 'missing.jsonl')])).toThrow(/Không đọc được tệp/);
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, line('ok', 'khac') + '\n{"text": "x", "category": "khac"}');
    expect(() => runEval([bad])).toThrow(/bad\.jsonl:2: priority/);
  });
});
