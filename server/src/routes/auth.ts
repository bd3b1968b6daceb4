// Sign-up, log-in, log-out and "who am I" for teachers and students.
import { Router } from 'express';
import { loginRequest, signupRequest } from '../../../shared/api';
import { HttpError } from '../errors';
import { log } from '../log';
import type { Ctx } from '../services/context';
import { LoginLimiter } from '../services/LoginLimiter';
import { checkLogin, createSession, deleteSession, signup, toMe } from '../services/people';
import { baseUrl, clearSessionCookie, parse, readCookie, requireUser, SESSION_COOKIE, setSessionCookie } from './http';

export function authRoutes(ctx: Ctx): Router {
  const { config } = ctx;
  const router = Router();
  const limiter = new LoginLimiter(config.loginMaxAttempts, config.loginWindowMinutes * 60_000);

  router.post('/auth/signup', async (req, res) => {
    const body = parse(signupRequest, req.body, 'sign-up form');
    const user = await signup(ctx, body);
    const s = createSession(ctx, user.id);
    setSessionCookie(config, req, res, s.token);
    log.info('auth.signup', { user: user.id });
    res.status(201).json(toMe(ctx, user, baseUrl(config, req)));
  });

  router.post('/auth/login', async (req, res) => {
    const body = parse(loginRequest, req.body, 'log-in form');
    const key = `${req.ip}|${body.login.toLowerCase()}`;
    const wait = limiter.attempt(key, ctx.now().getTime());
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      log.warn('auth.rate_limited', { ip: req.ip });
      throw new HttpError(429, 'too_many_attempts', `Too many log-in attempts. Wait ${Math.ceil(wait / 60)} minute(s) and try again, or ask your teacher to send a new invite.`);
    }
    const user = await checkLogin(ctx, body.login, body.password);
    if (!user) throw new HttpError(401, 'invalid_credentials', 'The login or password is wrong. Check both and try again.');
    limiter.reset(key);
    const s = createSession(ctx, user.id);
    setSessionCookie(config, req, res, s.token);
    log.info('auth.login', { user: user.id });
    res.json(toMe(ctx, user, baseUrl(config, req)));
  });

  router.post('/auth/logout', (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) deleteSession(ctx, token);
    clearSessionCookie(config, req, res);
    res.status(204).end();
  });

  router.get('/me', (req, res) => {
    res.json(toMe(ctx, requireUser(res), baseUrl(config, req)));
  });
  return router;
}
