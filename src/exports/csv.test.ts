import { Writable } from 'node:stream';
import { seededRandom } from '../shared/random';
import { BOM, csvDocument, csvLine, formatCell, neutraliseFormula, parseCsv, quoteField, vnDate, vnTime, writeCsv, type Cell } from './csv';

describe('CSV writing (RFC 4180)', () => {
  it('quotes only fields with a comma, a quote, CR or LF, doubling quotes', () => {
    expect(quoteField('plain text')).toBe('plain text');
    expect(quoteField('a,b')).toBe('"a,b"');
    expect(quoteField('say "hi"')).toBe('"say ""hi"""');
    expect(quoteField('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(quoteField('cr\rhere')).toBe('"cr\rhere"');
    expect(quoteField('')).toBe('');
  });

  it('ends every record with CRLF and writes a BOM before the header', () => {
    expect(csvLine(['a', 'b,c', null, 3])).toBe('a,"b,c",,3\r\n');
    const doc = csvDocument(['x', 'y'], [['1', '2'], ['Đường Lê Lợi', 'ổ gà']]);
    expect(doc).toBe('\uFEFFx,y\r\n1,2\r\nĐường Lê Lợi,ổ gà\r\n');
    expect(Buffer.from(doc, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('neutralises cells a spreadsheet would run as a formula', () => {
    for (const s of ['=1+2', '+84912345678', '-2+3', '@SUM(A1)', '\t=cmd', '\r=cmd']) expect(neutraliseFormula(s)).toBe(`'${s}`);
    for (const s of ['1+2', 'a=b', ' =x', '', "'already"]) expect(neutraliseFormula(s)).toBe(s);
    // A formula that also needs quoting is neutralised first, then quoted.
    expect(csvLine(['=HYPERLINK("http://x","y")'])).toBe('"\'=HYPERLINK(""http://x"",""y"")"\r\n');
    // Numbers are ours, never formulas: a negative number stays a number.
    expect(formatCell(-1.5)).toBe('-1.5');
  });

  it('writes times in Viet Nam local time with +07:00, and local dates', () => {
    expect(vnTime(new Date('2026-11-01T01:30:45.678Z'))).toBe('2026-11-01T08:30:45+07:00');
    expect(vnTime(new Date('2026-10-31T17:00:00Z'))).toBe('2026-11-01T00:00:00+07:00');
    expect(Date.parse(vnTime(new Date('2026-03-05T23:59:59Z')))).toBe(Date.parse('2026-03-05T23:59:59Z'));
    expect(vnDate(new Date('2026-10-31T17:00:00Z'))).toBe('2026-11-01');
    expect(vnDate(new Date('2026-10-31T16:59:59Z'))).toBe('2026-10-31');
    expect(formatCell(new Date('2026-11-01T01:30:00Z'))).toBe('2026-11-01T08:30:00+07:00');
  });

  it('formats empty values, booleans and non-finite numbers', () => {
    expect([null, undefined, true, false, 0, Number.NaN, Infinity].map((v) => formatCell(v))).toEqual(['', '', 'true', 'false', '0', '', '']);
  });
});

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x,1","say ""hi""\r\nnext"\r\n,\r\n')).toEqual([['a', 'b'], ['x,1', 'say "hi"\r\nnext'], ['', '']]);
    expect(parseCsv('a,b')).toEqual([['a', 'b']]);
    expect(parseCsv('')).toEqual([]);
    expect(parseCsv('""\r\n')).toEqual([['']]);
  });

  it('refuses malformed quoting', () => {
    expect(() => parseCsv('"open')).toThrow(/unterminated/);
    expect(() => parseCsv('a"b,c')).toThrow(/quote inside/);
    expect(() => parseCsv('"a"b,c')).toThrow(/after a closing quote/);
  });

  it('property: parsing a written document gives back the formatted cells', () => {
    const rng = seededRandom(6022026);
    const alphabet = ['a', 'Đ', 'ổ', ',', '"', '\r', '\n', ' ', '=', '+', '-', '@', '\t', "'", '1'];
    const text = () => Array.from({ length: rng.int(0, 8) }, () => rng.pick(alphabet)).join('');
    for (let round = 0; round < 300; round++) {
      const width = rng.int(1, 5);
      const header = Array.from({ length: width }, (_, i) => `col_${i}`);
      const rows: Cell[][] = Array.from({ length: rng.int(0, 6) }, () => Array.from({ length: width }, (): Cell => {
        const kind = rng.int(0, 4);
        return kind === 0 ? null : kind === 1 ? rng.int(-5, 1000) : kind === 2 ? new Date(rng.int(0, 2 ** 41)) : text();
      }));
      const back = parseCsv(csvDocument(header, rows));
      expect(back).toEqual([header, ...rows.map((r) => r.map(formatCell))]);
      // No cell that comes back starts a formula.
      rows.forEach((r, j) => r.forEach((c, i) => { if (typeof c === 'string') expect(back[j + 1]![i]).not.toMatch(/^[=+\-@\t\r]/); }));
    }
  });
});

/** A stream that holds every write until released: it reports "full" after highWaterMark bytes. */
function heldStream(highWaterMark: number) {
  const pending: (() => void)[] = [];
  let text = '';
  const out = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) { text += chunk.toString('utf8'); pending.push(() => cb()); },
  });
  return { out, text: () => text, release: () => { for (const cb of pending.splice(0)) cb(); } };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('writeCsv', () => {
  it('waits for the stream to drain before pulling the next batch', async () => {
    const s = heldStream(64);
    let pulled = 0;
    async function* batches() {
      for (let b = 0; b < 3; b++) {
        pulled++;
        yield Array.from({ length: 10 }, (_, i) => [`row ${b}-${i}`, 'một đoạn văn bản dài để lấp đầy bộ đệm']);
      }
    }
    const done = writeCsv(s.out, ['a', 'b'], batches());
    for (let i = 0; i < 5; i++) await tick();
    // The header alone fits; the first batch fills the buffer: nothing more is read until it drains.
    expect(pulled).toBe(1);
    while (pulled < 3) { s.release(); await tick(); }
    s.release();
    for (let i = 0; i < 5; i++) { s.release(); await tick(); }
    await expect(done).resolves.toBe(true);
    const records = parseCsv(s.text());
    expect(records).toHaveLength(31);
    expect(records[0]).toEqual(['a', 'b']);
    expect(records[30]![0]).toBe('row 2-9');
    expect(s.text().startsWith(BOM)).toBe(true);
  });

  it('stops reading batches when the stream is closed, and says so', async () => {
    const s = heldStream(16);
    let pulled = 0;
    let finished = false;
    async function* batches() {
      try {
        for (;;) { pulled++; yield [['x'.repeat(100)]]; }
      } finally { finished = true; }
    }
    const done = writeCsv(s.out, ['a'], batches());
    for (let i = 0; i < 3; i++) await tick();
    s.out.destroy();
    await expect(done).resolves.toBe(false);
    expect(pulled).toBe(1);
    expect(finished).toBe(true); // the source was closed (its pages stop being read)
  });

  it('writes the header of an empty export', async () => {
    const s = heldStream(1024);
    async function* none(): AsyncGenerator<Cell[][]> { /* no rows */ }
    const done = writeCsv(s.out, ['code', 'received_at'], none());
    s.release();
    await expect(done).resolves.toBe(true);
    expect(s.text()).toBe('\uFEFFcode,received_at\r\n');
  });
});
