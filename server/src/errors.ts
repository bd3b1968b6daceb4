// One error type for every failure the API reports; the handler turns it into
// {"error": {"code", "message", "fields"?}} and never leaks a stack trace.
import type { ErrorRequestHandler } from 'express';
import type { ZodError } from 'zod';
import type { ApiErrorBody } from '../../shared/api';
import { log } from './log';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }
}

export function fromZod(err: ZodError, what = 'request'): HttpError {
  const fields: Record<string, string> = {};
  for (const issue of err.issues) {
    const key = issue.path.join('.') || '(body)';
    if (!fields[key]) fields[key] = issue.message;
  }
  const names = Object.keys(fields).join(', ');
  return new HttpError(400, 'invalid_input', `The ${what} has invalid or missing fields: ${names}.`, fields);
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  let e: HttpError;
  if (err instanceof HttpError) e = err;
  else if (err?.type === 'entity.too.large') e = new HttpError(413, 'too_large', 'The request body is too large. Send less than 100 kB of JSON.');
  else if (err?.type === 'entity.parse.failed') e = new HttpError(400, 'invalid_json', 'The request body is not valid JSON.');
  else {
    log.error('http.unhandled', { method: req.method, path: req.path, error: String(err?.stack ?? err) });
    e = new HttpError(500, 'internal', 'Something went wrong on the server. Try again; if it keeps happening, tell your teacher or the studio admin.');
  }
  const body: ApiErrorBody = { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } };
  res.status(e.status).json(body);
};
