import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';

/**
 * JSON logs. Request bodies, cookies and authorisation headers are never logged: bodies
 * carry contact details and comments. A request is logged by its path only, with the
 * secret a link carries (a follow-up or invitation token) cut out: query strings may hold
 * a phone number or search words, and a token in a path works as a key.
 */
export function createLogger(config: Config, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-twilio-signature"]', 'body', 'req.body'],
      remove: true,
    },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string; ip?: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url ?? '') }),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

const SECRET_SEGMENT = /^(\/follow-up\/|\/api\/v1\/auth\/invitations\/)[^/]+/;

/** The path without its query string, and without the token of a link that carries one. */
export function loggableUrl(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.replace(SECRET_SEGMENT, '$1:token');
}
