// Request helpers shared by the API routes: validation, who is asking, links, cookies and CSRF.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Config } from '../config';
import { fromZod, HttpError } from '../errors';
import type { Ctx } from '../services/context';
import { sessionUser, type UserRow } from '../services/people';

export const SESSION_COOKIE = 'muse_session';

export function parse<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const r = schema.safeParse(data ?? {});
  if (!r.success) throw fromZod(r.error, what);
  return r.data;
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function isSecure(config: Config, req: Request): boolean {
  return req.secure || (config.publicUrl?.startsWith('https://') ?? false);
}

/** Max-Age, not Expires: the browser's clock may disagree with ours; the database decides when a session ends. */
export function setSessionCookie(config: Config, req: Request, res: Response, token: string): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: isSecure(config, req), path: '/', maxAge: config.sessionDays * 86_400_000 });
}

export function clearSessionCookie(config: Config, req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: isSecure(config, req), path: '/' });
}

/** Puts the session's user (if any) in res.locals.user. */
export function sessionMiddleware(ctx: Ctx): RequestHandler {
  return (req, res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) res.locals.user = sessionUser(ctx, token);
    next();
  };
}

/**
 * CSRF defence for cookie sessions: writes must be JSON (a cross-site form cannot send that without a CORS
 * preflight, which we never answer) and, when the browser names an Origin, it must be this site.
 */
export function csrfGuard(config: Config): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') {
      return next(new HttpError(415, 'json_required', 'Send this request as JSON (Content-Type: application/json), even with an empty body {}.'));
    }
    if (!originAllowed(config, req)) return next(new HttpError(403, 'bad_origin', 'This request came from another site and was refused. Open Muse Studio directly and try again.'));
    next();
  };
}

/** True when the browser names no Origin, or this site's (also used by the upload endpoint, which is not JSON). */
export function originAllowed(config: Config, req: Request): boolean {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return true;
  return sameSite(origin, req.get('host') ?? '') || (config.publicUrl !== null && origin === new URL(config.publicUrl).origin);
}

/**
 * Compares host names only, as SameSite cookies do: the Vite dev server on :5173 proxies to us on :3000
 * (rewriting Host), and localhost, 127.0.0.1 and ::1 are the same machine.
 */
function sameSite(origin: string, hostHeader: string): boolean {
  const loopback = (h: string) => (h === 'localhost' || h === '127.0.0.1' || h === '[::1]' ? 'loopback' : h.toLowerCase());
  try {
    return loopback(new URL(origin).hostname) === loopback(new URL(`http://${hostHeader}`).hostname);
  } catch {
    return false;
  }
}

export function currentUser(res: Response): UserRow | undefined {
  return res.locals.user as UserRow | undefined;
}

export function requireUser(res: Response): UserRow {
  const user = currentUser(res);
  if (!user) throw new HttpError(401, 'not_logged_in', 'You are not logged in, or your session has ended. Log in and try again.');
  return user;
}

export function requireTeacher(res: Response): UserRow {
  const user = requireUser(res);
  if (user.role !== 'teacher') throw new HttpError(403, 'teachers_only', 'Only teachers can do this. Ask your teacher.');
  return user;
}

/** Where links we hand out point: MUSE_PUBLIC_URL, else the address this request came to. */
export function baseUrl(config: Config, req: Request): string {
  return config.publicUrl ?? `${req.protocol}://${req.get('host')}`;
}
