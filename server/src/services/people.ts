// Teachers, students, sessions and invites.
import type { InviteInfo, InviteLink, Language, Me, Role, SignupRequest, Student, CreateStudentRequest } from '../../../shared/api';
import { HttpError } from '../errors';
import type { Ctx } from './context';
import { hashPassword, hashToken, hmac, newId, newToken, safeEqual, verifyPassword } from './secrets';

export interface UserRow {
  id: string;
  role: Role;
  login: string;
  email: string | null;
  name: string;
  time_zone: string;
  language: Language;
  password_hash: string | null;
  teacher_id: string | null;
  feed_version: number;
  created_at: string;
}

const DAY_MS = 86_400_000;

export function getUser(ctx: Ctx, id: string): UserRow | undefined {
  return ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
}

function loginTaken(ctx: Ctx, login: string): boolean {
  return ctx.db.prepare('SELECT 1 FROM users WHERE login = ? OR email = ?').get(login, login) !== undefined;
}

export async function signup(ctx: Ctx, req: SignupRequest): Promise<UserRow> {
  const hash = await hashPassword(req.password);
  if (loginTaken(ctx, req.email)) {
    throw new HttpError(409, 'email_taken', 'An account with this email already exists. Log in instead, or use another email.', { email: 'is already registered' });
  }
  const id = newId('u');
  ctx.db
    .prepare(`INSERT INTO users (id, role, login, email, name, time_zone, language, password_hash, created_at)
              VALUES (?, 'teacher', ?, ?, ?, ?, ?, ?, ?)`)
    .run(id, req.email, req.email, req.name, req.timeZone, req.language, hash, ctx.now().toISOString());
  return getUser(ctx, id)!;
}

/** The user for a login and password, or null; costs the same whether or not the login exists. */
export async function checkLogin(ctx: Ctx, login: string, password: string): Promise<UserRow | null> {
  const row = ctx.db.prepare('SELECT * FROM users WHERE login = ?').get(login) as UserRow | undefined;
  const ok = await verifyPassword(password, row?.password_hash ?? null);
  return ok && row ? row : null;
}

export function createSession(ctx: Ctx, userId: string): { token: string; expires: Date } {
  const token = newToken();
  const now = ctx.now();
  const expires = new Date(now.getTime() + ctx.config.sessionDays * DAY_MS);
  // Sweep ended sessions here: log-ins are rare enough, and no timer is needed.
  ctx.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now.toISOString());
  ctx.db.prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(hashToken(token), userId, now.toISOString(), expires.toISOString());
  return { token, expires };
}

export function sessionUser(ctx: Ctx, token: string): UserRow | undefined {
  return ctx.db
    .prepare('SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?')
    .get(hashToken(token), ctx.now().toISOString()) as UserRow | undefined;
}

export function deleteSession(ctx: Ctx, token: string): void {
  ctx.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hashToken(token));
}

/** Secret feed token: the user id and an HMAC of it; bumping feed_version revokes old feed links. */
export function feedToken(ctx: Ctx, user: UserRow): string {
  return `${user.id}-${hmac(ctx.secret, 'calendar-feed', user.id, user.feed_version).slice(0, 32)}`;
}

export function userForFeedToken(ctx: Ctx, token: string): UserRow | undefined {
  const dash = token.indexOf('-');
  if (dash <= 0) return undefined;
  const user = getUser(ctx, token.slice(0, dash));
  if (!user) return undefined;
  return safeEqual(feedToken(ctx, user), token) ? user : undefined;
}

export function toMe(ctx: Ctx, user: UserRow, base: string): Me {
  return {
    id: user.id,
    role: user.role,
    name: user.name,
    login: user.login,
    email: user.email,
    timeZone: user.time_zone,
    language: user.language,
    calendarFeedUrl: `${base}/api/calendar/${feedToken(ctx, user)}.ics`,
  };
}

function toStudent(row: UserRow & { invite_expires_at: string | null }): Student {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    login: row.login,
    timeZone: row.time_zone,
    language: row.language,
    status: row.password_hash ? 'active' : 'invited',
    inviteExpiresAt: row.password_hash ? null : row.invite_expires_at,
  };
}

export function listStudents(ctx: Ctx, teacherId: string): Student[] {
  const rows = ctx.db
    .prepare(`SELECT u.*, (SELECT MAX(i.expires_at) FROM invites i WHERE i.student_id = u.id AND i.used_at IS NULL) AS invite_expires_at
              FROM users u WHERE u.teacher_id = ? ORDER BY u.name COLLATE NOCASE, u.created_at`)
    .all(teacherId) as (UserRow & { invite_expires_at: string | null })[];
  return rows.map(toStudent);
}

/** A login name for a student without an email: their name in ASCII letters plus four digits. */
function loginNameFor(ctx: Ctx, name: string): string {
  const base = name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20) || 'student';
  for (;;) {
    const login = `${base}-${Math.floor(1000 + Math.random() * 9000)}`;
    if (!loginTaken(ctx, login)) return login;
  }
}

export function createStudent(ctx: Ctx, teacher: UserRow, req: CreateStudentRequest, base: string): { student: Student; invite: InviteLink } {
  if (req.email && loginTaken(ctx, req.email)) {
    throw new HttpError(409, 'email_taken', 'Somebody already logs in with this email. Leave the email empty and the student gets a login name instead.', { email: 'is already registered' });
  }
  const id = newId('u');
  const login = req.email ?? loginNameFor(ctx, req.name);
  let invite!: InviteLink;
  ctx.db.transaction(() => {
    ctx.db
      .prepare(`INSERT INTO users (id, role, login, email, name, time_zone, language, teacher_id, created_at)
                VALUES (?, 'student', ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, login, req.email ?? null, req.name, req.timeZone, req.language, teacher.id, ctx.now().toISOString());
    invite = issueInvite(ctx, id, base);
  })();
  const student = listStudents(ctx, teacher.id).find((s) => s.id === id)!;
  return { student, invite };
}

/** A fresh single-use invite link; earlier unused links for the same student stop working. */
export function issueInvite(ctx: Ctx, studentId: string, base: string): InviteLink {
  const token = newToken();
  const now = ctx.now();
  const expires = new Date(now.getTime() + ctx.config.inviteDays * DAY_MS);
  ctx.db.prepare('DELETE FROM invites WHERE student_id = ? AND used_at IS NULL').run(studentId);
  ctx.db.prepare('INSERT INTO invites (token_hash, student_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(hashToken(token), studentId, now.toISOString(), expires.toISOString());
  return { url: `${base}/invite/${token}`, expiresAt: expires.toISOString() };
}

interface InviteRow {
  token_hash: string;
  student_id: string;
  expires_at: string;
  used_at: string | null;
}

function openInvite(ctx: Ctx, token: string): { invite: InviteRow; student: UserRow } {
  const invite = ctx.db.prepare('SELECT * FROM invites WHERE token_hash = ?').get(hashToken(token)) as InviteRow | undefined;
  if (!invite) throw new HttpError(404, 'invite_not_found', 'This invite link is not valid. Check that you copied the whole link, or ask your teacher for a new one.');
  if (invite.used_at) throw new HttpError(410, 'invite_used', 'This invite link has already been used. Log in with your password, or ask your teacher for a new link.');
  if (invite.expires_at <= ctx.now().toISOString()) throw new HttpError(410, 'invite_expired', 'This invite link has expired. Ask your teacher for a new one.');
  return { invite, student: getUser(ctx, invite.student_id)! };
}

export function inviteInfo(ctx: Ctx, token: string): InviteInfo {
  const { invite, student } = openInvite(ctx, token);
  const teacher = getUser(ctx, student.teacher_id!)!;
  return { studentName: student.name, teacherName: teacher.name, login: student.login, language: student.language, timeZone: student.time_zone, expiresAt: invite.expires_at };
}

export async function acceptInvite(ctx: Ctx, token: string, password: string): Promise<UserRow> {
  openInvite(ctx, token);
  const hash = await hashPassword(password);
  // Checked again inside the transaction: two tabs accepting at once must not both succeed.
  return ctx.db.transaction(() => {
    const { invite, student } = openInvite(ctx, token);
    ctx.db.prepare('UPDATE invites SET used_at = ? WHERE token_hash = ?').run(ctx.now().toISOString(), invite.token_hash);
    ctx.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, student.id);
    ctx.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(student.id);
    return getUser(ctx, student.id)!;
  })();
}
