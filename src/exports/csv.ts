import type { Writable } from 'node:stream';

/**
 * CSV for spreadsheets (RFC 4180): CRLF line ends, fields quoted when they hold a comma, a quote,
 * CR or LF (quotes doubled), UTF-8 with a BOM so Excel reads Vietnamese correctly. Pure, apart
 * from `writeCsv`, which writes rows to a stream as they come and waits when the stream is full.
 */

export type Cell = string | number | boolean | Date | null | undefined;

export const BOM = '\uFEFF';
export const CRLF = '\r\n';

const OFFSET_MS = 7 * 3_600_000;

/**
 * An instant as local time in Viet Nam, e.g. 2026-11-01T08:30:00+07:00. Viet Nam has kept UTC+7
 * without daylight saving since 1975, so a fixed offset is exact (as in src/ioc/period.ts).
 * Whole seconds: spreadsheets read them, and milliseconds mean nothing to a reader.
 */
export function vnTime(d: Date): string {
  return new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 19) + '+07:00';
}

/** The local date (YYYY-MM-DD) of an instant in Viet Nam. */
export function vnDate(d: Date): string {
  return new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * Text a spreadsheet would run as a formula (= + - @, or a leading TAB/CR that some readers skip
 * before one) gets a leading apostrophe: the cell shows as text. Only text is touched: numbers and
 * dates we produce ourselves are never formulas.
 */
export function neutraliseFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function formatCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return vnTime(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return neutraliseFormula(v);
}

export function quoteField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record, CRLF included. */
export function csvLine(cells: readonly Cell[]): string {
  return cells.map((c) => quoteField(formatCell(c))).join(',') + CRLF;
}

/** A whole document (BOM, header, rows): for small files and tests; large ones go through writeCsv. */
export function csvDocument(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return BOM + csvLine(header) + rows.map(csvLine).join('');
}

/**
 * RFC 4180 back to records (the inverse of csvDocument, BOM skipped): quoted fields may hold
 * commas, doubled quotes and line breaks. A malformed quote is an error, not a guess.
 */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith(BOM) ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let fieldStarted = false;
  const endField = () => { record.push(field); field = ''; fieldStarted = false; };
  const endRecord = () => { endField(); records.push(record); record = []; };
  while (i < s.length) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false;
        i++;
        const next = s[i];
        if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') throw new Error(`CSV: unexpected "${next}" after a closing quote at ${i}`);
        continue;
      }
      field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      if (fieldStarted || field !== '') throw new Error(`CSV: quote inside an unquoted field at ${i}`);
      quoted = true;
      fieldStarted = true;
      i++;
    } else if (ch === ',') {
      endField();
      i++;
    } else if (ch === '\r' && s[i + 1] === '\n') {
      endRecord();
      i += 2;
    } else if (ch === '\n') {
      endRecord();
      i++;
    } else {
      field += ch;
      fieldStarted = true;
      i++;
    }
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  // A final line break ends the last record; text after it is one more record.
  if (field !== '' || fieldStarted || record.length > 0) endRecord();
  return records;
}

/** Resolves when the stream can take more, or when it is gone (a closed download stops the export). */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { out.off('drain', done); out.off('close', done); out.off('error', done); resolve(); };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Writes BOM, header and the rows of each batch as they arrive, waiting for 'drain' whenever the
 * stream's buffer is full, so at most about one batch sits in memory. Stops pulling batches when
 * the stream is closed or fails (the client went away) and returns false then; true when all was
 * written. Does not end the stream: the caller does, once it knows nothing failed.
 */
export async function writeCsv(out: Writable, header: readonly string[], batches: AsyncIterable<readonly (readonly Cell[])[]>): Promise<boolean> {
  let broken = false;
  // A write racing a client that hung up reports an error on the stream: noted here, so that it
  // ends this export instead of becoming an unhandled 'error' event.
  const onError = () => { broken = true; };
  const onClose = () => { if (!out.writableFinished) broken = true; };
  out.on('error', onError);
  out.on('close', onClose);
  const gone = () => broken || out.destroyed || out.writableEnded;
  try {
    if (gone()) return false;
    if (!out.write(BOM + csvLine(header))) await drained(out);
    // Checked before pulling each batch: a client that left stops the reading too.
    if (gone()) return false;
    for await (const rows of batches) {
      if (gone()) return false;
      if (rows.length > 0 && !out.write(rows.map(csvLine).join(''))) await drained(out);
      if (gone()) return false;
    }
    return !gone();
  } finally {
    out.off('error', onError);
    out.off('close', onClose);
  }
}
