/**
 * /api/v1/programmes, /api/v1/locations and /api/v1/sub-measures: the settings an admin
 * manages. Reading needs `feedback.read` (and shows only the caller's locations); changing
 * needs `settings.manage`. Another client's ids are simply not found.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../context.ts';
import { errorResponseSchema, HttpError } from '../http/errors.ts';
import * as s from './schemas.ts';
import {
  addLocation,
  addProgramme,
  addSubMeasure,
  listLocations,
  listProgrammes,
  updateLocation,
  updateProgramme,
  updateSubMeasure,
  type LocationRefusal,
  type ProgrammeRefusal,
  type SettingsResult,
  type SubMeasureRefusal,
} from './settings.ts';

const errors = { 400: errorResponseSchema, 401: errorResponseSchema, 403: errorResponseSchema, 404: errorResponseSchema, 409: errorResponseSchema };

/** What each refusal means to the person who asked, as the error they see. */
const refusals: Record<ProgrammeRefusal | LocationRefusal | SubMeasureRefusal, () => HttpError> = {
  not_found: () => new HttpError('not_found'),
  scale_locked: () =>
    new HttpError(
      'conflict',
      'The scale cannot be changed once the programme has feedback: its figures would mix two scales. Add a new programme for the new scale instead.',
    ),
  terms_url_required: () => new HttpError('validation_failed', 'A prize draw needs a terms link (prizeDraw.termsUrl) that customers can read before they enter.'),
  programme_not_found: () => new HttpError('not_found', 'That programme was not found.'),
  parent_not_found: () => new HttpError('not_found', 'The parent location was not found.'),
  parent_archived: () => new HttpError('conflict', 'The parent location is archived. Restore it first, or choose another.'),
  cycle: () => new HttpError('validation_failed', 'A location cannot sit under itself or under a location below it.'),
  code_locked: () =>
    new HttpError('validation_failed', 'A code cannot be changed: it is printed in links and QR codes. Add a new one and archive this one instead.'),
  code_taken: () => new HttpError('conflict', 'That code is taken. Choose another.'),
  sms_code_taken: () => new HttpError('conflict', 'That SMS code is taken by another of your locations. Choose another.'),
  location_archived: () => new HttpError('conflict', 'This location is archived. Restore it before adding to it.'),
};

function valueOf<T, Reason extends keyof typeof refusals>(result: SettingsResult<T, Reason>): T {
  if (!result.ok) throw refusals[result.reason]();
  return result.value;
}

export const programmeRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get(
    '/api/v1/programmes',
    { schema: { tags: ['settings'], summary: "The client's programmes", response: { 200: z.array(s.programmeSchema), 401: errorResponseSchema, 403: errorResponseSchema } } },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      return listProgrammes(services, access);
    },
  );

  api.post(
    '/api/v1/programmes',
    { schema: { tags: ['settings'], summary: 'Add a programme', body: s.programmeCreateSchema, response: { 201: s.programmeSchema, ...errors } } },
    async (request, reply) => {
      const access = await request.requireAccess('settings.manage');
      return reply.code(201).send(valueOf(await addProgramme(services, access, request.body)));
    },
  );

  api.patch(
    '/api/v1/programmes/:programmeId',
    {
      schema: {
        tags: ['settings'],
        summary: "Change a programme's wording, prize draw, links or retention (its scale only until it has feedback)",
        params: s.programmeParamsSchema,
        body: s.programmePatchSchema,
        response: { 200: s.programmeSchema, ...errors },
      },
    },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      return valueOf(await updateProgramme(services, access, request.params.programmeId, request.body));
    },
  );

  api.get(
    '/api/v1/locations',
    {
      schema: {
        tags: ['settings'],
        summary: 'Your locations in tree order, with their links, QR codes, SMS codes and sub-measures',
        querystring: s.locationListQuerySchema,
        response: { 200: z.array(s.locationSchema), 401: errorResponseSchema, 403: errorResponseSchema },
      },
    },
    async (request) => {
      const access = await request.requireAccess('feedback.read');
      return listLocations(services, access, { includeArchived: request.query.includeArchived === 'true' });
    },
  );

  api.post(
    '/api/v1/locations',
    { schema: { tags: ['settings'], summary: 'Add a location', body: s.locationCreateSchema, response: { 201: s.locationSchema, ...errors } } },
    async (request, reply) => {
      const access = await request.requireAccess('settings.manage');
      return reply.code(201).send(valueOf(await addLocation(services, access, request.body)));
    },
  );

  api.patch(
    '/api/v1/locations/:locationId',
    {
      schema: {
        tags: ['settings'],
        summary: 'Rename, move, re-code for SMS, archive or restore a location (its link code is fixed)',
        params: s.locationParamsSchema,
        body: s.locationPatchSchema,
        response: { 200: s.locationSchema, ...errors },
      },
    },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      return valueOf(await updateLocation(services, access, request.params.locationId, request.body));
    },
  );

  api.post(
    '/api/v1/locations/:locationId/sub-measures',
    {
      schema: {
        tags: ['settings'],
        summary: 'Add a sub-measure (a staff member, counter or department) to a location',
        params: s.locationParamsSchema,
        body: s.subMeasureCreateSchema,
        response: { 201: s.subMeasureSchema, ...errors },
      },
    },
    async (request, reply) => {
      const access = await request.requireAccess('settings.manage');
      return reply.code(201).send(valueOf(await addSubMeasure(services, access, request.params.locationId, request.body)));
    },
  );

  api.patch(
    '/api/v1/sub-measures/:subMeasureId',
    {
      schema: {
        tags: ['settings'],
        summary: 'Rename, archive or restore a sub-measure (its link code is fixed)',
        params: s.subMeasureParamsSchema,
        body: s.subMeasurePatchSchema,
        response: { 200: s.subMeasureSchema, ...errors },
      },
    },
    async (request) => {
      const access = await request.requireAccess('settings.manage');
      return valueOf(await updateSubMeasure(services, access, request.params.subMeasureId, request.body));
    },
  );
};
