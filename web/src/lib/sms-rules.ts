/** The SMS settings said in words, for the settings page and the invitations page. */
import type { QuietHours, SmsSettings } from '../api/types.ts';
import { formatCount, plural } from './format.ts';

export const providerNames: Record<SmsSettings['provider'], string> = {
  twilio: 'Twilio',
  dev: 'Development phone',
};

export function describeQuietHours(quiet: QuietHours, timeZone: string | undefined): string {
  if (quiet.start === quiet.end) return 'None: texts go out at any hour';
  return `${quiet.start} to ${quiet.end}${timeZone ? `, ${timeZone.replace(/_/g, ' ')} time` : ''}`;
}

export function describeQuarantine(days: number): string {
  return days === 0 ? 'No limit' : `At most once every ${plural(days, 'day')}`;
}

export function describeConversationTimeout(minutes: number): string {
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return `${formatCount(minutes)} minutes`;
}
