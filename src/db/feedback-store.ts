import type { Database } from './database';

export type CorrectionExample = { id: number; text: string; category: string; priority: 'urgent' | 'high' | 'normal' | 'low' };

/** Operators' corrections of the classifier, read by `npm run train` as extra training examples. */
export class FeedbackStore {
  constructor(private readonly db: Database) {}

  async corrections(): Promise<CorrectionExample[]> {
    const rows = await this.db.query<{ id: number; text: string; corrected_category: string; corrected_priority: CorrectionExample['priority'] }>(
      'SELECT id, text, corrected_category, corrected_priority FROM classification_feedback ORDER BY id');
    return rows.map((r) => ({ id: r.id, text: r.text, category: r.corrected_category, priority: r.corrected_priority }));
  }

  async markTrained(ids: number[], at: Date): Promise<void> {
    if (ids.length) await this.db.query('UPDATE classification_feedback SET trained_at = $2 WHERE id = ANY($1::bigint[])', [ids, at]);
  }
}
