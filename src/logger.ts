import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';

/**
 * JSON logs. Request bodies, cookies and authorisation headers are never logged: bodies
 * carry contact details and comments.
 */
export function createLogger(config: Config): Logger {
  return pino({
    level: config.logLevel,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-twilio-signature"]', 'body', 'req.body'],
      remove: true,
    },
  });
}
