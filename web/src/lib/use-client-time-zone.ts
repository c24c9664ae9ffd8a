/**
 * The time zone of the business being worked in: times of feedback and replies are shown
 * on its clock (the café's 3 pm), whatever the viewer's own computer is set to.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/endpoints.ts';

export function useClientTimeZone(): string | undefined {
  // The same query as the dashboard's, so the settings are fetched once and shared.
  const client = useQuery({ queryKey: ['client'], queryFn: api.clientSettings, staleTime: 5 * 60_000, retry: false });
  return client.data?.timezone;
}
