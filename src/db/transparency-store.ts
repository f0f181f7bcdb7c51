import type { Database } from './database';

/**
 * Read side of the transparency page, and the table of published texts behind it
 * (migrations/0010_transparency.sql). Only this module decides which tickets are public:
 * publishable, resolved or closed with an answer, not merged. The published text is built
 * outside (src/transparency/anonymise.ts) and handed in; the original text never leaves here
 * except to that builder.
 */

const PUBLIC = `t.publishable AND t.status IN ('resolved', 'closed') AND t.resolution IS NOT NULL
  AND btrim(t.resolution) <> '' AND t.resolved_at IS NOT NULL AND t.merged_into_id IS NULL`;

/** What a published text was made from; $1 is the anonymiser's version. */
const FINGERPRINT = `md5(concat_ws('|', $1::text, t.code, t.channel, t.description, t.resolution,
  coalesce(ci.display_name, ''), coalesce(ci.phone, ''), coalesce(ci.email, '')))`;

/** Public tickets whose published text is current; $1 is the anonymiser's version. */
const published = (joins = '') => `FROM tickets t
  JOIN citizens ci ON ci.id = t.citizen_id
  JOIN public_report_texts p ON p.ticket_id = t.id AND p.fingerprint = ${FINGERPRINT}
  ${joins}
  WHERE ${PUBLIC}`;

const LOCAL_TZ = 'Asia/Ho_Chi_Minh';

export type TextSourceRow = {
  ticketId: number;
  code: string;
  channel: string;
  description: string;
  resolution: string;
  citizen: { name: string | null; phone: string | null; email: string | null };
  staffNames: string[];
};

export type BuiltText = { description: string; answer: string; searchText: string };

export type PublicReportRow = {
  code: string;
  channel: string;
  categoryCode: string | null;
  categoryName: string | null;
  communeCode: string | null;
  communeName: string | null;
  agencyName: string | null;
  receivedAt: Date;
  resolvedAt: Date;
  description: string;
  answer: string;
};

export type PublicReportFilter = {
  categoryCode?: string;
  communeCode?: string;
  /** YYYY-MM: the local (Asia/Ho_Chi_Minh) month of resolved_at. */
  month?: string;
  /** Folded words that must all occur in the published text. */
  terms?: string[];
};

export type PublicFilters = {
  categories: { code: string; name: string; count: number }[];
  communes: { code: string; name: string; count: number }[];
  months: { month: string; count: number }[];
};

type ItemRow = {
  code: string; channel: string; category_code: string | null; category_name: string | null;
  commune_code: string | null; commune_name: string | null; agency_name: string | null;
  created_at: Date; resolved_at: Date; description: string; answer: string;
};

const toItem = (r: ItemRow): PublicReportRow => ({
  code: r.code, channel: r.channel, categoryCode: r.category_code, categoryName: r.category_name,
  communeCode: r.commune_code, communeName: r.commune_name, agencyName: r.agency_name,
  receivedAt: r.created_at, resolvedAt: r.resolved_at, description: r.description, answer: r.answer,
});

const ITEM_SELECT = `SELECT t.code, t.channel, t.category_code, c.name_vi AS category_name, t.commune_code,
    cu.full_name AS commune_name, a.name_vi AS agency_name, t.created_at, t.resolved_at, p.description, p.answer
  ${published(`LEFT JOIN categories c ON c.code = t.category_code
  LEFT JOIN agencies a ON a.id = t.agency_id
  LEFT JOIN admin_units cu ON cu.structure = '2025' AND cu.code = t.commune_code`)}`;

const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class TransparencyStore {
  constructor(private readonly db: Database, private readonly version: string) {}

  /**
   * Builds the published text of public tickets that have none or an outdated one, newest first,
   * in batches; at most `maxBatches` per call, so a first call on a large archive stays bounded
   * (the rest is built by the next calls). Published texts of tickets no longer public are dropped.
   */
  async refresh(build: (source: TextSourceRow) => BuiltText, batchSize = 200, maxBatches = 10): Promise<number> {
    await this.db.query(
      `DELETE FROM public_report_texts p USING tickets t WHERE p.ticket_id = t.id AND NOT (${PUBLIC})`);
    let done = 0;
    for (let i = 0; i < maxBatches; i++) {
      const stale = await this.staleSources(batchSize);
      if (!stale.length) break;
      const built = stale.map((s) => ({ s, text: build(s) }));
      await this.db.query(
        `INSERT INTO public_report_texts (ticket_id, fingerprint, description, answer, search_text)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (ticket_id) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, description = EXCLUDED.description,
           answer = EXCLUDED.answer, search_text = EXCLUDED.search_text, built_at = now()`,
        [built.map((b) => b.s.ticketId), built.map((b) => b.s.fingerprint), built.map((b) => b.text.description),
          built.map((b) => b.text.answer), built.map((b) => b.text.searchText)]);
      done += stale.length;
      if (stale.length < batchSize) break;
    }
    return done;
  }

  private async staleSources(limit: number): Promise<(TextSourceRow & { fingerprint: string })[]> {
    const rows = await this.db.query<{
      id: number; code: string; channel: string; description: string; resolution: string; fingerprint: string;
      citizen_name: string | null; citizen_phone: string | null; citizen_email: string | null; staff_names: string[] | null;
    }>(
      `SELECT t.id, t.code, t.channel, t.description, t.resolution, ${FINGERPRINT} AS fingerprint,
         ci.display_name AS citizen_name, ci.phone AS citizen_phone, ci.email AS citizen_email,
         ARRAY(SELECT DISTINCT s.display_name FROM staff_users s
               WHERE s.id = t.assignee_id
                  OR s.id IN (SELECT e.actor_id FROM ticket_events e WHERE e.ticket_id = t.id AND e.actor_kind = 'staff')) AS staff_names
       FROM tickets t
       JOIN citizens ci ON ci.id = t.citizen_id
       LEFT JOIN public_report_texts p ON p.ticket_id = t.id
       WHERE ${PUBLIC} AND (p.ticket_id IS NULL OR p.fingerprint <> ${FINGERPRINT})
       ORDER BY t.resolved_at DESC, t.id DESC
       LIMIT $2`, [this.version, limit]);
    return rows.map((r) => ({
      ticketId: Number(r.id), code: r.code, channel: r.channel, description: r.description, resolution: r.resolution,
      fingerprint: r.fingerprint, citizen: { name: r.citizen_name, phone: r.citizen_phone, email: r.citizen_email },
      staffNames: r.staff_names ?? [],
    }));
  }

  private where(f: PublicReportFilter, params: unknown[]): string {
    const conds: string[] = [];
    if (f.categoryCode !== undefined) { params.push(f.categoryCode); conds.push(`t.category_code = $${params.length}`); }
    if (f.communeCode !== undefined) { params.push(f.communeCode); conds.push(`t.commune_code = $${params.length}`); }
    if (f.month !== undefined) {
      params.push(`${f.month}-01`);
      const start = `($${params.length}::date)`;
      conds.push(`t.resolved_at >= (${start}::timestamp AT TIME ZONE '${LOCAL_TZ}')`,
        `t.resolved_at < ((${start} + interval '1 month')::timestamp AT TIME ZONE '${LOCAL_TZ}')`);
    }
    for (const term of f.terms ?? []) { params.push(likePattern(term)); conds.push(`p.search_text LIKE $${params.length}`); }
    return conds.map((c) => ` AND ${c}`).join('');
  }

  /** A page of published reports, newest answer first, and how many match in all. */
  async list(f: PublicReportFilter, page: number, pageSize: number): Promise<{ items: PublicReportRow[]; total: number }> {
    const params: unknown[] = [this.version];
    const where = this.where(f, params);
    const total = (await this.db.query<{ n: number }>(`SELECT count(*)::int AS n ${published()}${where}`, params))[0]?.n ?? 0;
    const rows = await this.db.query<ItemRow>(
      `${ITEM_SELECT}${where} ORDER BY t.resolved_at DESC, t.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, pageSize, (page - 1) * pageSize]);
    return { items: rows.map(toItem), total };
  }

  async byCode(code: string): Promise<PublicReportRow | null> {
    const rows = await this.db.query<ItemRow>(`${ITEM_SELECT} AND t.code = $2`, [this.version, code]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /** Categories and communes that have published reports, and the months they were answered in. */
  async filters(): Promise<PublicFilters> {
    const p = [this.version];
    const categories = await this.db.query<{ code: string; name: string; n: number }>(
      `SELECT c.code, c.name_vi AS name, count(*)::int AS n ${published('JOIN categories c ON c.code = t.category_code')}
       GROUP BY c.code, c.name_vi, c.sort_order ORDER BY c.sort_order, c.code`, p);
    const communes = await this.db.query<{ code: string; name: string | null; n: number }>(
      `SELECT t.commune_code AS code, max(cu.full_name) AS name, count(*)::int AS n
       ${published(`LEFT JOIN admin_units cu ON cu.structure = '2025' AND cu.code = t.commune_code`)}
         AND t.commune_code IS NOT NULL
       GROUP BY t.commune_code ORDER BY max(cu.name_folded) NULLS LAST, t.commune_code`, p);
    const months = await this.db.query<{ month: string; n: number }>(
      `SELECT to_char(t.resolved_at AT TIME ZONE '${LOCAL_TZ}', 'YYYY-MM') AS month, count(*)::int AS n ${published()}
       GROUP BY 1 ORDER BY 1 DESC`, p);
    return {
      categories: categories.map((r) => ({ code: r.code, name: r.name, count: r.n })),
      communes: communes.map((r) => ({ code: r.code, name: r.name ?? r.code, count: r.n })),
      months: months.map((r) => ({ month: r.month, count: r.n })),
    };
  }
}
