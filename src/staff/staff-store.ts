import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/database';
import { toStaff, type StaffRow } from '../db/rows';
import type { StaffRole, StaffUser } from '../workflow/types';
import { hashPassword } from './password';

const SESSION_DAYS = 7;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class StaffStore {
  constructor(private readonly db: Database) {}

  async create(u: { email: string; displayName: string; role: StaffRole; agencyId: number | null; password: string }): Promise<StaffUser> {
    const rows = await this.db.query<StaffRow>(
      `INSERT INTO staff_users (email, display_name, role, agency_id, password_hash) VALUES ($1,$2,$3,$4,$5) RETURNING *`,
      [u.email.trim().toLowerCase(), u.displayName, u.role, u.agencyId, await hashPassword(u.password)],
    );
    return toStaff(rows[0]!);
  }

  async findForLogin(email: string): Promise<(StaffUser & { passwordHash: string }) | null> {
    const rows = await this.db.query<StaffRow & { password_hash: string }>(
      'SELECT * FROM staff_users WHERE lower(email) = lower($1)', [email.trim()]);
    return rows[0] ? { ...toStaff(rows[0]), passwordHash: rows[0].password_hash } : null;
  }

  async byId(id: number): Promise<StaffUser | null> {
    const rows = await this.db.query<StaffRow>('SELECT * FROM staff_users WHERE id = $1', [id]);
    return rows[0] ? toStaff(rows[0]) : null;
  }

  async list(filter: { agencyId?: number }): Promise<StaffUser[]> {
    const rows = filter.agencyId !== undefined
      ? await this.db.query<StaffRow>('SELECT * FROM staff_users WHERE agency_id = $1 ORDER BY display_name', [filter.agencyId])
      : await this.db.query<StaffRow>('SELECT * FROM staff_users ORDER BY role, display_name');
    return rows.map(toStaff);
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM staff_users');
    return rows[0]?.n ?? 0;
  }

  /** A new session: the cookie value is returned once; only its hash is stored. */
  async openSession(userId: number): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + SESSION_DAYS * 86400_000);
    await this.db.query(
      'INSERT INTO staff_sessions (id, user_id, csrf_token, expires_at) VALUES ($1,$2,$3,$4)',
      [sha256(token), userId, csrfToken, expiresAt],
    );
    await this.db.query('UPDATE staff_users SET last_login_at = now() WHERE id = $1', [userId]);
    return { token, csrfToken, expiresAt };
  }

  async session(token: string): Promise<{ user: StaffUser; csrfToken: string } | null> {
    const rows = await this.db.query<StaffRow & { csrf_token: string }>(
      `SELECT u.*, s.csrf_token FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.expires_at > now() AND u.active`, [sha256(token)]);
    const r = rows[0];
    return r ? { user: toStaff(r), csrfToken: r.csrf_token } : null;
  }

  async closeSession(token: string): Promise<void> {
    await this.db.query('DELETE FROM staff_sessions WHERE id = $1', [sha256(token)]);
  }
}
