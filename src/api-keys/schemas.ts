import { z } from 'zod';
import { apiKeyScopes } from './scopes.ts';

export const apiKeyScopeSchema = z.enum(apiKeyScopes).describe('what the key may do');

export const apiKeyBodySchema = z
  .object({
    name: z.string().trim().min(1, 'Give the key a name (e.g. "Till system").').max(100, 'Keep the name to 100 characters.').describe('what the key is for'),
    scopes: z.array(apiKeyScopeSchema).min(1, 'Choose at least one scope.').max(apiKeyScopes.length).describe('what the key may do'),
    locationIds: z.array(z.uuid()).max(200).nullable().optional().default(null).describe('limit the key to these locations (and those below them); null for all'),
  })
  .strict();

export const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('the start of the key, to recognise it by'),
  scopes: z.array(apiKeyScopeSchema),
  locationIds: z.array(z.uuid()).nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable().describe('name of the person who made it'),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = z.object({
  apiKey: apiKeySchema,
  key: z.string().describe('the key itself: shown this once, never again'),
});

export const apiKeyParamsSchema = z.object({ apiKeyId: z.uuid() });
