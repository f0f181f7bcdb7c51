/**
 * Rows in PostgreSQL's COPY text format: one line per row, columns separated by tabs, NULL as \N,
 * backslash escapes for backslash, tab, newline and carriage return. Table files in a backup are
 * in this format, so an operator can also load one by hand (`\copy t FROM 't.tsv'` in psql).
 */

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function encodeCopyLine(values: readonly (string | null)[]): string {
  return values.map((v) => (v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!))).join('\t') + '\n';
}

const UNESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function decodeField(f: string): string | null {
  if (f === '\\N') return null;
  if (!f.includes('\\')) return f;
  return f.replace(/\\(.?)/gs, (_m, e: string) => {
    // Octal and hex escapes name bytes, not characters; COPY TO never writes them for text.
    if (e === '' || /[0-7x]/.test(e)) throw new Error(`unsupported escape in a COPY line: \\${e}`);
    return UNESCAPES[e] ?? e;
  });
}

/** One line without its newline. */
export function decodeCopyLine(line: string): (string | null)[] {
  return line.split('\t').map(decodeField);
}

/** Splits a byte stream into lines (without '\n'); a raw newline only ever ends a row. */
export async function* splitLines(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      yield buf.toString('utf8', start, nl);
      start = nl + 1;
    }
    buf = buf.subarray(start);
    rest = buf;
  }
  if (rest.length) yield rest.toString('utf8');
}
