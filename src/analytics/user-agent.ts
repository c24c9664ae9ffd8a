/**
 * Browser, OS and device from the user agent, parsed on the server by ua-parser-js (the most
 * used and best kept parser, AGPL-3.0-or-later like Hark), and bots recognised by isbot
 * (a maintained list of crawler, preview and monitor patterns). Only the three names are
 * kept; the user agent string itself is never stored (it feeds the visitor hash, then goes).
 */
import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';

export interface ParsedAgent {
  browser: string;
  os: string;
  /** 'desktop' when the parser names no device type, as it does for desktop browsers. */
  device: string;
}

export type AgentVerdict = { ok: true; agent: ParsedAgent } | { ok: false; reason: 'bot' | 'no_user_agent' };

const MAX_AGENT_LENGTH = 1000;
const CACHE_SIZE = 2000;
/** Parsing costs tens of microseconds; the same few agents come again and again. */
const cache = new Map<string, AgentVerdict>();

function name(value: string | undefined): string {
  return value ? value.slice(0, 60) : 'Unknown';
}

export function parseUserAgent(userAgent: string | undefined): AgentVerdict {
  const agent = (userAgent ?? '').trim().slice(0, MAX_AGENT_LENGTH);
  if (!agent) return { ok: false, reason: 'no_user_agent' };
  const cached = cache.get(agent);
  if (cached) return cached;
  let verdict: AgentVerdict;
  if (isbot(agent)) {
    verdict = { ok: false, reason: 'bot' };
  } else {
    const parsed = new UAParser(agent).getResult();
    verdict = { ok: true, agent: { browser: name(parsed.browser.name), os: name(parsed.os.name), device: name(parsed.device.type ?? 'desktop') } };
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(agent, verdict);
  return verdict;
}
