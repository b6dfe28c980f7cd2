/**
 * Every error the API returns, in one place. The body is always
 * `{code, message, statusCode, issues?}`: `code` is stable (clients switch on it), `message`
 * names the offending field, `issues` lists each bad field when there are several.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { asUnavailable, BatchError, SpecError, type SpecIssue } from '../batches/errors.ts';
import type { OutageLog } from './outage.ts';

/**
 * Every error code the API answers with, and its HTTP status: the one table the error
 * factories, the error handler and the OpenAPI document (api/schemas.ts) read.
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_spec: 400,
  invalid_cursor: 400,
  invalid_upload: 400,
  unauthorized: 401,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  batch_not_running: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;
  readonly issues?: SpecIssue[];
  /** Seconds for the `retry-after` header, when the client should wait before trying again. */
  retryAfterS?: number;
  constructor(code: ErrorCode, message: string, issues?: SpecIssue[]) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = ERROR_STATUS[code];
    this.code = code;
    this.issues = issues;
  }
}

export const errors = {
  invalidRequest: (issues: SpecIssue[]) => new ApiError('invalid_request', joinIssues(issues), issues),
  invalidSpec: (issues: SpecIssue[]) => new ApiError('invalid_spec', joinIssues(issues), issues),
  invalidCursor: () =>
    new ApiError('invalid_cursor', 'querystring.cursor: not of the documented cursor shape (pass nextCursor)'),
  invalidUpload: (where: string, reason: string) => new ApiError('invalid_upload', `body (${where}): ${reason}`),
  unauthorized: () =>
    new ApiError(
      'unauthorized',
      'authorization: missing, malformed, unknown or revoked API token (use "Authorization: Bearer <token>", or the WebSocket subprotocol "phonebatch.token.<token>")',
    ),
  routeNotFound: (method: string, path: string) => new ApiError('route_not_found', `path: no route ${method} ${path}`),
  methodNotAllowed: (method: string, path: string, allow: string[]) =>
    new ApiError('method_not_allowed', `method: ${method} is not allowed on ${path} (allowed: ${allow.join(', ')})`),
  payloadTooLarge: (limit: number) => new ApiError('payload_too_large', `body: larger than the ${limit}-byte limit`),
  unsupportedMediaType: (type: string) =>
    new ApiError(
      'unsupported_media_type',
      `content-type: "${type}" is not accepted (application/json, text/csv, application/x-ndjson)`,
    ),
  authRateLimited: (seconds: number) =>
    Object.assign(
      new ApiError(
        'rate_limited',
        `authorization: too many failed authentications from this address, retry in ${seconds} seconds`,
      ),
      { retryAfterS: seconds },
    ),
  rateLimited: (after: string) =>
    new ApiError('rate_limited', `authorization: rate limit for this token exceeded, retry in ${after}`),
  unavailable: (what: string) => new ApiError('unavailable', `${what} is unavailable, retry later`),
};

function joinIssues(issues: SpecIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.reason}`).join('; ') || 'request: invalid';
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  statusCode: number;
  issues?: SpecIssue[];
}

/**
 * API code of each batch-service error (batches/errors.ts): the service's own, except that a
 * missing batchRef is a `not_found` and a bad project name an `invalid_request`.
 */
const BATCH_ERROR_CODE: Record<BatchError['code'], ErrorCode> = {
  invalid_spec: 'invalid_spec',
  invalid_project: 'invalid_request',
  batch_ref_not_found: 'not_found',
  not_found: 'not_found',
  batch_not_running: 'batch_not_running',
  unavailable: 'unavailable',
};

/** Maps any error to the API's error body; unknown errors are 500 (and logged by the caller). */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof SpecError)
    return { code: 'invalid_spec', message: err.message, statusCode: ERROR_STATUS.invalid_spec, issues: err.issues };
  // An error with its own HTTP status (fastify's: a client that aborted its body is ECONNRESET,
  // 400) is the client's, never an outage.
  const down =
    err instanceof ApiError || typeof (err as { statusCode?: unknown })?.statusCode === 'number'
      ? null
      : asUnavailable(err);
  if (down) return { code: 'unavailable', message: down.message, statusCode: ERROR_STATUS.unavailable };
  if (err instanceof BatchError) {
    const code = BATCH_ERROR_CODE[err.code];
    return { code, message: err.message, statusCode: ERROR_STATUS[code] };
  }
  if (err instanceof ApiError)
    return {
      code: err.code,
      message: err.message,
      statusCode: err.statusCode,
      ...(err.issues ? { issues: err.issues } : {}),
    };
  const e = err as FastifyError & { issues?: SpecIssue[]; validationContext?: string };
  // Schema validation (api/validation.ts attaches field-named issues).
  if (Array.isArray(e?.issues) && e.validationContext) {
    return {
      code: 'invalid_request',
      message: joinIssues(e.issues),
      statusCode: ERROR_STATUS.invalid_request,
      issues: e.issues,
    };
  }
  // Postgres data exceptions (class 22) come only from input the checks above let through;
  // the database's own text stays in the log (errorHandler), not in the answer.
  if (isDataException(e)) {
    return {
      code: 'invalid_request',
      message: 'request: a value was rejected by the database',
      statusCode: ERROR_STATUS.invalid_request,
    };
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  // fastify's own errors, by status, to the code of that status.
  if (status === ERROR_STATUS.payload_too_large)
    return { code: 'payload_too_large', message: `body: ${e.message}`, statusCode: status };
  if (status === ERROR_STATUS.unsupported_media_type)
    return { code: 'unsupported_media_type', message: `content-type: ${e.message}`, statusCode: status };
  if (status === ERROR_STATUS.rate_limited)
    return { code: 'rate_limited', message: `authorization: ${e.message}`, statusCode: status };
  if (status >= 400 && status < 500)
    return { code: 'invalid_request', message: `body: ${e.message}`, statusCode: status };
  return { code: 'internal', message: 'internal error', statusCode: ERROR_STATUS.internal };
}

function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/** Seconds a client should wait before retrying after a 503 (`retry-after`). */
export const RETRY_AFTER_S = 5;

/**
 * The server's error handler: the body from {@link toErrorBody}; a 503 carries `retry-after`
 * and is logged once per outage (api/outage.ts), any other 5xx once per request.
 */
export function errorHandler(outages: OutageLog) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    const body = toErrorBody(err);
    if (body.code === 'unavailable') {
      outages.failed(asUnavailable(err)?.service ?? 'a dependency', err);
      void reply.header('retry-after', String(RETRY_AFTER_S));
    } else if (err instanceof ApiError && err.retryAfterS !== undefined) {
      void reply.header('retry-after', String(err.retryAfterS));
    } else if (body.statusCode >= 500) req.log.error({ err }, 'request failed');
    else if (isDataException(err)) req.log.warn({ err }, 'request value rejected by the database');
    void reply.code(body.statusCode).type('application/json').send(body);
  };
}

/**
 * onSend hook: an error answered before its request body was read (an upload refused at its
 * first line or header, a 401, a 413) closes the connection. The rest of the body is still on
 * the socket, so with keep-alive the client's next request would wait behind it forever.
 */
export function closeUnreadErrors(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, p: unknown) => void,
): void {
  if (reply.statusCode >= 400 && !req.raw.complete) void reply.header('connection', 'close');
  done(null, payload);
}

/** The JSON Schema of the error body, for OpenAPI. */
export const ErrorBodySchema = {
  type: 'object',
  required: ['code', 'message', 'statusCode'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_STATUS), description: 'Stable error code.' },
    message: { type: 'string', description: 'What is wrong, naming the field.' },
    statusCode: { type: 'integer' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'reason'],
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
} as const;
