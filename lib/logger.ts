/**
 * Structured logging (pino) on stderr, so stdout stays free for command output (JSON lines,
 * exports, CSV). Tokens and other secrets are redacted by path.
 */
import { pino } from 'pino';

export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    redact: {
      paths: ['token', '*.token', 'headers.authorization', 'req.headers.authorization', '*.headers.authorization'],
      censor: '[redacted]',
    },
  },
  pino.destination(2),
);
