import { z } from 'zod';

export const roleSchema = z.enum(['owner', 'admin', 'manager', 'viewer']).describe('owner and admin manage everything; manager and viewer see only their locations');
export const emailSchema = z.string().trim().toLowerCase().email('must be an email address').max(254).describe('email address');
export const passwordSchema = z.string().min(1, 'a password is required').max(200).describe('password');
export const totpCodeSchema = z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code from the authenticator app');
export const locationScopeSchema = z.array(z.string().uuid()).max(500).nullable().describe('location ids (with everything below them) a manager or viewer may see; null: all');

export const loginBodySchema = z.object({
  email: emailSchema,
  password: passwordSchema,
  totpCode: totpCodeSchema.optional().describe('the current code, when the account has two-factor sign-in'),
});

export const membershipSchema = z.object({
  clientId: z.string().uuid(),
  clientName: z.string(),
  role: roleSchema,
  locationScope: z.array(z.string().uuid()).nullable(),
  requireTotp: z.boolean(),
});

export const sessionSchema = z.object({
  user: z.object({
    id: z.string().uuid(),
    name: z.string(),
    email: z.string(),
    kind: z.enum(['personnel', 'operator']),
    totpEnabled: z.boolean(),
    mobile: z.string().nullable().describe('for alerts by text'),
  }),
  memberships: z.array(membershipSchema),
  activeClientId: z.string().uuid().nullable(),
  permissions: z.array(z.string()).describe('what the role in the active client allows'),
  totpSetupRequired: z.boolean().describe('the active client demands two-factor sign-in and it is not set up yet'),
  csrfToken: z.string().describe('send as x-csrf-token on every POST, PATCH, PUT and DELETE'),
  expiresAt: z.string().datetime(),
});

export const profileBodySchema = z
  .object({
    name: z.string().trim().min(1, 'your name cannot be empty').max(200).optional(),
    mobile: z.string().trim().max(32).nullable().optional().describe('your mobile for alerts by text, international (+64…) or local; null to remove'),
  })
  .refine((b) => b.name !== undefined || b.mobile !== undefined, { message: 'give a name or a mobile to change' });

export const passwordResetRequestSchema = z.object({ email: emailSchema });
export const passwordResetConfirmSchema = z.object({ token: z.string().min(10).max(200), password: passwordSchema });
export const invitationTokenParamsSchema = z.object({ token: z.string().min(10).max(200) });
export const acceptInvitationBodySchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  password: passwordSchema,
  totpCode: totpCodeSchema.optional().describe('the current code, when joining with an existing account that has two-factor sign-in'),
});
export const invitationInfoSchema = z.object({
  clientName: z.string(),
  email: z.string(),
  role: roleSchema,
  hasAccount: z.boolean().describe('the address already has an account: accept with its password'),
});
export const switchClientBodySchema = z.object({ clientId: z.string().uuid() });
export const changePasswordBodySchema = z.object({ currentPassword: passwordSchema, newPassword: passwordSchema });
export const totpEnrolmentSchema = z.object({ secret: z.string(), uri: z.string(), qrSvg: z.string() });
export const totpConfirmBodySchema = z.object({ code: totpCodeSchema });
export const totpDisableBodySchema = z.object({ password: passwordSchema, code: totpCodeSchema });

export const inviteBodySchema = z.object({ email: emailSchema, role: roleSchema, locationScope: locationScopeSchema.default(null) });
export const memberSchema = z.object({
  userId: z.string().uuid(),
  name: z.string(),
  email: z.string(),
  role: roleSchema,
  locationScope: z.array(z.string().uuid()).nullable(),
  totpEnabled: z.boolean(),
  joinedAt: z.string().datetime(),
});
export const pendingInvitationSchema = z.object({
  id: z.string().uuid(),
  email: z.string(),
  role: roleSchema,
  locationScope: z.array(z.string().uuid()).nullable(),
  expiresAt: z.string().datetime(),
});
export const teamSchema = z.object({ members: z.array(memberSchema), invitations: z.array(pendingInvitationSchema) });
export const userParamsSchema = z.object({ userId: z.string().uuid() });
export const invitationParamsSchema = z.object({ invitationId: z.string().uuid() });
export const updateMemberBodySchema = z.object({ role: roleSchema.optional(), locationScope: locationScopeSchema.optional() });
export const clientSettingsSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  timezone: z.string(),
  country: z.string(),
  privacyPolicyUrl: z.string().nullable(),
  requireTotp: z.boolean(),
});
export const updateClientBodySchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  timezone: z.string().refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'must be an IANA time zone such as Pacific/Auckland').optional(),
  privacyPolicyUrl: z.string().url().max(500).nullable().optional(),
  requireTotp: z.boolean().optional(),
});
