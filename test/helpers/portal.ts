/**
 * Signing in to the portal's API as a real browser would: a session cookie from
 * POST /api/v1/auth/login and the CSRF token on every state-changing request.
 */
import { randomBytes } from 'node:crypto';
import { addMembership, createUser } from '../../src/accounts/index.ts';
import type { Services } from '../../src/context.ts';
import type { MembershipRole } from '../../src/db/schema.ts';
import type { ClientId } from '../../src/db/tenancy.ts';
import type { TestHark } from './hark.ts';

export const testPassword = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/** A person with a membership of `clientId` (scope: location ids, for managers and viewers). */
export async function createTestUser(
  services: Services,
  clientId: ClientId,
  role: MembershipRole,
  options: { locationScope?: string[] | null; name?: string } = {},
): Promise<TestUser> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const id = await createUser(services.db, { email, name: options.name ?? `Test ${role}`, password: testPassword });
  await addMembership(services.db, { clientId, userId: id, role, locationScope: options.locationScope ?? null });
  return { id, email, password: testPassword };
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** An API client holding one browser's cookies (session and device) and CSRF token. */
export class PortalClient {
  readonly cookies = new Map<string, string>();
  csrfToken = '';

  constructor(readonly hark: TestHark) {}

  #remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line) || /expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request<T = unknown>(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await this.hark.fetch(pathname, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' && this.csrfToken ? { 'x-csrf-token': this.csrfToken } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    this.#remember(response);
    const text = await response.text();
    const parsed = text && response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as T) : (text as T);
    const result = { status: response.status, body: parsed, headers: response.headers };
    const token = (parsed as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof token === 'string') this.csrfToken = token;
    return result;
  }

  get<T = unknown>(pathname: string) {
    return this.request<T>('GET', pathname);
  }
  post<T = unknown>(pathname: string, body: unknown = {}) {
    return this.request<T>('POST', pathname, body);
  }
  patch<T = unknown>(pathname: string, body: unknown) {
    return this.request<T>('PATCH', pathname, body);
  }
  put<T = unknown>(pathname: string, body: unknown) {
    return this.request<T>('PUT', pathname, body);
  }
  delete<T = unknown>(pathname: string) {
    return this.request<T>('DELETE', pathname);
  }

  login(email: string, password: string, totpCode?: string) {
    return this.post<{ csrfToken: string; activeClientId: string | null; error?: { code: string; message: string } }>('/api/v1/auth/login', { email, password, ...(totpCode ? { totpCode } : {}) });
  }
}

/** A client signed in as `user`; throws if the login fails. */
export async function signIn(hark: TestHark, user: TestUser): Promise<PortalClient> {
  const client = new PortalClient(hark);
  const response = await client.login(user.email, user.password);
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  return client;
}
