/**
 * Ingestion as small named steps, each of which may drop the beacon with a reason (the
 * Plausible way): privacy signals, then the user agent, then the fields. What survives is
 * the row to store; nothing of a dropped beacon is kept but its reason's count.
 */
import type { ParsedAgent } from './user-agent.ts';
import { parseUserAgent } from './user-agent.ts';
import type { DropReason } from './drops.ts';
import type { Beacon } from './schemas.ts';
import type { HitKind } from './tables.ts';

export interface IncomingBeacon {
  beacon: Beacon;
  userAgent: string | undefined;
  /** The request's `DNT` and `Sec-GPC` headers. */
  doNotTrack: string | undefined;
  globalPrivacyControl: string | undefined;
  /** Our own host (the request's Host), to tell a visitor moving between our pages from a referral. */
  ownHost: string | undefined;
}

/** A hit ready to store, before the visitor hash (which needs the day's salt). */
export interface AcceptedHit {
  kind: HitKind;
  path: string;
  referrerHost: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  screenWidth: number | null;
  screenHeight: number | null;
  durationMs: number | null;
  agent: ParsedAgent;
  userAgent: string;
}

export type IngestVerdict = { ok: true; hit: AcceptedHit } | { ok: false; reason: DropReason };

/** True when the browser asks not to be tracked: `DNT: 1` or `Sec-GPC: 1`. */
export function asksNotToBeTracked(doNotTrack: string | undefined, globalPrivacyControl: string | undefined): boolean {
  return doNotTrack?.trim() === '1' || globalPrivacyControl?.trim() === '1';
}

const UTM_MAX = 100;

function utm(params: URLSearchParams, name: string): string | null {
  const value = params.get(name)?.trim().toLowerCase();
  return value ? value.slice(0, UTM_MAX) : null;
}

function referrerHost(referrer: string | undefined, ownHost: string | undefined): string | null {
  if (!referrer) return null;
  const host = new URL(referrer).hostname.toLowerCase().replace(/^www\./, '');
  const own = ownHost?.toLowerCase().replace(/:\d+$/, '').replace(/^www\./, '');
  return host && host !== own ? host.slice(0, 253) : null;
}

export function ingestBeacon(incoming: IncomingBeacon): IngestVerdict {
  if (asksNotToBeTracked(incoming.doNotTrack, incoming.globalPrivacyControl)) return { ok: false, reason: 'do_not_track' };
  const verdict = parseUserAgent(incoming.userAgent);
  if (!verdict.ok) return verdict;
  const { beacon } = incoming;
  // A view with only one side of the screen is a forged beacon, not a browser's.
  if ((beacon.w === undefined) !== (beacon.h === undefined)) return { ok: false, reason: 'invalid' };
  const params = new URLSearchParams(beacon.q ?? '');
  return {
    ok: true,
    hit: {
      kind: beacon.k,
      path: beacon.p,
      referrerHost: referrerHost(beacon.r, incoming.ownHost),
      utmSource: utm(params, 'utm_source'),
      utmMedium: utm(params, 'utm_medium'),
      utmCampaign: utm(params, 'utm_campaign'),
      screenWidth: beacon.w ?? null,
      screenHeight: beacon.h ?? null,
      durationMs: beacon.k === 'leave' ? beacon.d : null,
      agent: verdict.agent,
      userAgent: (incoming.userAgent ?? '').trim(),
    },
  };
}
