/** Prize draws: the client's draws, running one, winners, and each programme's draw settings. */
import { apiRequest } from './client.ts';

export type DrawPeriod = 'week' | 'month' | 'quarter';

export interface PrizeDraw {
  id: string;
  programmeId: string;
  programmeName: string;
  period: DrawPeriod;
  periodName: string;
  periodStart: string;
  periodEnd: string;
  prize: string;
  winnersWanted: number;
  status: 'open' | 'drawn' | 'purged';
  commitment: string;
  committedAt: string;
  entrants: number;
  closed: boolean;
  drawnAt: string | null;
  purgeOn: string | null;
  publicUrl: string;
}

export interface DrawWinner {
  round: number;
  token: string;
  status: 'selected' | 'ineligible';
  ineligibleReason: string | null;
  notifiedAt: string | null;
  notifiedBy: 'email' | 'sms' | null;
  contact: { name: string | null; email: string | null; mobile: string | null } | null;
}

export interface DrawSettings {
  period: DrawPeriod;
  winners: number;
  purgeAfterDays: number;
  prize: string;
}

const enc = encodeURIComponent;

export const prizeDrawApi = {
  list: () => apiRequest<PrizeDraw[]>('GET', '/prize-draws'),
  winners: (id: string) => apiRequest<DrawWinner[]>('GET', `/prize-draws/${enc(id)}/winners`),
  run: (id: string) => apiRequest<{ entrants: number; winners: number }>('POST', `/prize-draws/${enc(id)}/run`, { body: {} }),
  ineligible: (id: string, round: number, reason: string) =>
    apiRequest<{ replacement: string | null }>('POST', `/prize-draws/${enc(id)}/winners/${round}/ineligible`, { body: { reason } }),
  notify: (id: string) => apiRequest<{ notified: number; unreachable: number }>('POST', `/prize-draws/${enc(id)}/notify`, { body: {} }),
  settings: (programmeId: string) => apiRequest<DrawSettings>('GET', `/prize-draws/settings/${enc(programmeId)}`),
  saveSettings: (programmeId: string, body: DrawSettings) => apiRequest<DrawSettings>('PUT', `/prize-draws/settings/${enc(programmeId)}`, { body }),
};
