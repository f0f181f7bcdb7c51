/**
 * The GeoReport v2 XML form: schemaless, no namespace, UTF-8 with the XML declaration. JSON is the
 * "Spark convention" mapping of it, so one object shape serves both: a list of flat records under a
 * root element (services/service, service_requests/request, errors/error, …).
 */
export type XmlValue = string | number | boolean | null | undefined | XmlRecord | XmlRecord[];
export type XmlRecord = { [key: string]: XmlValue };

// Characters XML 1.0 cannot carry at all (control characters other than tab, LF and CR, and lone surrogates).
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeXml(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

// Element names come from this module's callers (field names of the spec), never from input; checked anyway.
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function element(name: string, value: XmlValue, itemName: string, indent: string): string {
  if (!NAME.test(name)) throw new Error(`not an XML element name: ${name}`);
  if (value === null || value === undefined) return `${indent}<${name}/>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}<${name}/>`;
    return `${indent}<${name}>\n${value.map((v) => element(itemName, v, itemName, indent + '  ')).join('\n')}\n${indent}</${name}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value).map(([k, v]) => element(k, v, singular(k), indent + '  '));
    return inner.length ? `${indent}<${name}>\n${inner.join('\n')}\n${indent}</${name}>` : `${indent}<${name}/>`;
  }
  return `${indent}<${name}>${escapeXml(String(value))}</${name}>`;
}

/** attributes → attribute, values → value: the spec's nested lists. */
function singular(name: string): string {
  return name.endsWith('s') ? name.slice(0, -1) : `${name}_item`;
}

/** A list of records under a root: `<root><item>…</item>…</root>`. */
export function xmlList(root: string, item: string, records: XmlRecord[]): string {
  const body = records.length ? `<${root}>\n${records.map((r) => element(item, r, item, '  ')).join('\n')}\n</${root}>` : `<${root}/>`;
  return `<?xml version="1.0" encoding="utf-8"?>\n${body}\n`;
}

/** One record as the document's root element (the service definition). */
export function xmlDocument(root: string, record: XmlRecord): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n${element(root, record, root, '')}\n`;
}
