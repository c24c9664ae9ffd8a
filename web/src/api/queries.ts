/** Queries several screens share, under one cache key each. */
import { useQuery } from '@tanstack/react-query';
import { api } from './endpoints.ts';

/** The locations the signed-in person can see, in tree order. */
export function useLocations(includeArchived = false) {
  return useQuery({ queryKey: ['locations', includeArchived ? 'all' : 'active'], queryFn: () => api.locations(includeArchived), retry: false, staleTime: 60_000 });
}

export function useProgrammes() {
  return useQuery({ queryKey: ['programmes'], queryFn: api.programmes, retry: false, staleTime: 60_000 });
}

/** The business's SMS number and texting rules (everyone who reads feedback may see them). */
export function useSmsSettings() {
  return useQuery({ queryKey: ['sms-settings'], queryFn: api.smsSettings, retry: false, staleTime: 60_000 });
}
