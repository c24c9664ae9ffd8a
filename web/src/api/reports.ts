/** Monthly reports: the PDF download and the person's email subscription (as the API documents them). */
import { ApiError, apiRequest } from './client.ts';

export interface MonthlyReportSubscription {
  subscribed: boolean;
  /** false while the default for the person's role holds. */
  chosen: boolean;
}

/**
 * GET /api/v1/reports/monthly: the PDF (of one location and those below it, with
 * `locationId`) and the file name the server gave. Errors come back as ApiError.
 */
async function downloadMonthlyReport(month: string, locationId?: string): Promise<{ blob: Blob; fileName: string }> {
  let response: Response;
  try {
    response = await fetch(`/api/v1/reports/monthly?${new URLSearchParams({ month, ...(locationId ? { locationId } : {}) })}`, { headers: { accept: 'application/pdf, application/json' }, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'Hark could not be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    const data = (await response.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined;
    const code = typeof data?.error?.code === 'string' ? data.error.code : `http_${response.status}`;
    const message = typeof data?.error?.message === 'string' ? data.error.message : `Hark answered with an error (${response.status}).`;
    throw new ApiError(response.status, code, message);
  }
  const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `monthly-report-${month}.pdf`;
  return { blob: await response.blob(), fileName };
}

export const reportsApi = {
  downloadMonthlyReport,
  subscription: () => apiRequest<MonthlyReportSubscription>('GET', '/account/monthly-report'),
  setSubscription: (subscribed: boolean) => apiRequest<MonthlyReportSubscription>('PUT', '/account/monthly-report', { body: { subscribed } }),
};
