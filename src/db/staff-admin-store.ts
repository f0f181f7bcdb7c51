import { createHash } from 'node:crypto';
import { HubError } from '../shared/errors';
import { hashPassword } from '../staff/password';
import type { StaffRole, StaffUser } from '../workflow/types';
import type { Database, Queryable } from './database';
import { toStaff, type StaffRow } from './rows';
import { writeAudit } from './audit-admin-store';

export const AGENCY_ROLES: ReadonlySet<StaffRole> = new Set(['agency_staff', 'agency_lead']);

export type StaffPatch = {
  displayName?: string;
  role?: StaffRole;
  agencyId?: number | null;
  active?: boolean;
  /** A new password set by the admin (already validated for length). */
  password?: string;
};

/** Who makes the change, and the session they make it from (kept when they reset their own password). */
export type StaffActor = { id: number; sessionToken: string | null };

export type StaffDirectoryEntry = { id: number; displayName: string; role: StaffRole; agencyId: number | null; active: boolean };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** What the audit keeps of an account: never the password hash. */
const audited = (u: StaffUser) => ({ email: u.email, displayName: u.displayName, role: u.role, agencyId: u.agencyId, active: u.active });

const roleMismatch = () => new HubError('invalid', 'agency_role_mismatch', 'Cán bộ đơn vị cần có đơn vị; các vai trò khác không gắn đơn vị.',
  'Agency roles need an agencyId; other roles must not have one.');

async function assertActiveAgency(q: Queryable, agencyId: number): Promise<void> {
  const rows = await q.query('SELECT 1 FROM agencies WHERE id = $1 AND active', [agencyId]);
  if (!rows.length) {
    throw new HubError('invalid', 'unknown_agency', 'Đơn vị không tồn tại hoặc đã ngừng hoạt động.', 'The agency does not exist or is inactive.', { path: 'agencyId' });
  }
}

/**
 * Staff accounts as admins manage them: creation and changes with an audit row in the same
 * commit, the rule that the hub always keeps one active admin, and sessions that end at once when
 * an account is deactivated (or its password reset).
 */
export class StaffAdminStore {
  constructor(private readonly db: Database) {}

  async create(u: { email: string; displayName: string; role: StaffRole; agencyId: number | null; password: string }, actorId: number): Promise<StaffUser> {
    if (AGENCY_ROLES.has(u.role) !== (u.agencyId !== null)) throw roleMismatch();
    const hash = await hashPassword(u.password);
    return this.db.transaction(async (tx) => {
      if (u.agencyId !== null) await assertActiveAgency(tx, u.agencyId);
      const taken = await tx.query('SELECT 1 FROM staff_users WHERE lower(email) = lower($1)', [u.email.trim()]);
      if (taken.length) throw new HubError('conflict', 'email_taken', 'Email này đã được dùng.', 'This email is already in use.');
      const rows = await tx.query<StaffRow>(
        'INSERT INTO staff_users (email, display_name, role, agency_id, password_hash) VALUES ($1,$2,$3,$4,$5) RETURNING *',
        [u.email.trim().toLowerCase(), u.displayName, u.role, u.agencyId, hash]);
      const user = toStaff(rows[0]!);
      await writeAudit(tx, 'staff_user', user.id, 'created', actorId, null, audited(user));
      return user;
    });
  }

  /**
   * Applies a change; null when there is no such account. `accessChanged` says whether the
   * account's live connections must be re-checked (role, agency or active state changed).
   */
  async update(id: number, patch: StaffPatch, actor: StaffActor): Promise<{ user: StaffUser; accessChanged: boolean; sessionsEnded: number } | null> {
    const hash = patch.password !== undefined ? await hashPassword(patch.password) : null;
    return this.db.transaction(async (tx) => {
      // Every change locks the active admins first, in one order: two admins demoting each other
      // at once are serialised (no deadlock), and the second sees that it would remove the last one.
      const admins = await tx.query<{ id: number }>(`SELECT id FROM staff_users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE`);
      const rows = await tx.query<StaffRow>('SELECT * FROM staff_users WHERE id = $1 FOR UPDATE', [id]);
      if (!rows[0]) return null;
      const before = toStaff(rows[0]);
      const role = patch.role ?? before.role;
      // Leaving the agency roles drops the agency unless the caller sent one (which is then refused).
      const agencyId = patch.agencyId !== undefined ? patch.agencyId : AGENCY_ROLES.has(role) ? before.agencyId : null;
      const next = { displayName: patch.displayName ?? before.displayName, role, agencyId, active: patch.active ?? before.active };
      if (AGENCY_ROLES.has(next.role) !== (next.agencyId !== null)) throw roleMismatch();
      if (next.agencyId !== null && next.agencyId !== before.agencyId) await assertActiveAgency(tx, next.agencyId);

      const wasActiveAdmin = before.role === 'admin' && before.active;
      const staysActiveAdmin = next.role === 'admin' && next.active;
      if (wasActiveAdmin && !staysActiveAdmin && !admins.some((a) => a.id !== id)) {
        throw new HubError('conflict', 'last_admin',
          'Đây là quản trị viên cuối cùng đang hoạt động: không thể hạ vai trò hay khóa tài khoản này. Hãy tạo hoặc kích hoạt một quản trị viên khác trước.',
          'This is the last active admin: it cannot be demoted or deactivated. Create or activate another admin first.');
      }

      const updated = await tx.query<StaffRow>(
        `UPDATE staff_users SET display_name = $2, role = $3, agency_id = $4, active = $5, password_hash = coalesce($6, password_hash)
         WHERE id = $1 RETURNING *`, [id, next.displayName, next.role, next.agencyId, next.active, hash]);
      const user = toStaff(updated[0]!);

      let sessionsEnded = 0;
      if (!user.active) {
        sessionsEnded = (await tx.query('DELETE FROM staff_sessions WHERE user_id = $1 RETURNING id', [id])).length;
      } else if (hash !== null) {
        // A reset password ends the account's other sessions; whoever set it keeps the one they are using.
        const keep = actor.id === id && actor.sessionToken ? sha256(actor.sessionToken) : '';
        sessionsEnded = (await tx.query('DELETE FROM staff_sessions WHERE user_id = $1 AND id <> $2 RETURNING id', [id, keep])).length;
      }
      const after = { ...audited(user), ...(hash !== null ? { passwordReset: true } : {}) };
      await writeAudit(tx, 'staff_user', id, 'updated', actor.id, audited(before), after);
      const accessChanged = before.role !== user.role || before.agencyId !== user.agencyId || before.active !== user.active || sessionsEnded > 0;
      return { user, accessChanged, sessionsEnded };
    });
  }

  /**
   * Names of the colleagues a staff member meets in tickets: agency roles get their own agency's
   * staff and the 1022 centre's (operators, supervisors, admins), never another agency's; the
   * centre roles get everyone. No emails: names for display only.
   */
  async directory(viewer: StaffUser): Promise<StaffDirectoryEntry[]> {
    const rows = AGENCY_ROLES.has(viewer.role)
      ? await this.db.query<StaffRow>('SELECT * FROM staff_users WHERE agency_id IS NULL OR agency_id = $1 ORDER BY display_name', [viewer.agencyId ?? -1])
      : await this.db.query<StaffRow>('SELECT * FROM staff_users ORDER BY display_name');
    return rows.map((r) => ({ id: r.id, displayName: r.display_name, role: r.role, agencyId: r.agency_id, active: r.active }));
  }
}
