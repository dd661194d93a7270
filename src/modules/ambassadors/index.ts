// Routes for /v1/ambassadors: HTTP only; the service decides.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { IdParamsSchema, Page, problems } from '../../shared/schemas.ts'
import {
  AmbassadorPublicSchema, AmbassadorRecordSchema, CompetenciesBodySchema, CreateAmbassadorBodySchema, DirectoryEntrySchema,
  ListAmbassadorsQuerySchema, RenewalBodySchema, SuggestionsQuerySchema, SuggestionsSchema, TrainingRecordBodySchema, TrainingRecordSchema, TransitionBodySchema,
  UpdateAmbassadorBodySchema, ReferenceCheckBodySchema, ReferenceCheckSchema,
} from './schemas.ts'
import {
  applyAsAmbassador, assessCompetencies, directoryEtag, publicEtag, getAmbassador, listAmbassadors, recordEtag, recordTraining,
  recordReferenceCheck, renewAmbassador, suggest, transitionAmbassador, updateAmbassador,
} from './service.ts'

const DIRECTORY_ROLES = ['manager', 'nmno', 'governance', 'iservice'] as const
const AmbassadorViewSchema = Type.Union([AmbassadorRecordSchema, AmbassadorPublicSchema], {
  description: '`view: record` for the Ambassador themself, nmno and governance; `view: public` for everyone else',
})

const ambassadors: FastifyPluginAsyncTypebox = async (app) => {
  app.get('', {
    config: { roles: DIRECTORY_ROLES, ifNoneMatch: true },
    schema: {
      description: 'The directory iService shows a manager: one page (`limit`, `cursor`) of Ambassadors, their public fields in the caller\'s language (Content-Language). Filter with `language`, `mode`, `topic`, `available=true` (room for a new engagement) and `eligibleForMe=true` (hides those the caller may not be paired with). Send the ETag back as If-None-Match: 304 while the directory is unchanged.',
      operationId: 'listAmbassadors', tags: ['ambassadors'],
      summary: 'The Ambassador directory: active, in-term Ambassadors, public fields, in the caller’s language (AMB-7); nmno adds status= to list any state',
      querystring: ListAmbassadorsQuerySchema,
      response: { 200: Page(DirectoryEntrySchema), 304: { description: 'Not modified (If-None-Match matched the directory’s ETag)', type: 'null' }, ...problems('invalid-cursor') },
    },
  }, async (req, reply) => {
    const request = { actor: req.actor, lang: req.lang, query: req.query }
    reply.header('vary', 'Accept-Language, Authorization').header('cache-control', 'private, no-cache').header('content-language', req.lang)
    const inm = req.headers['if-none-match']
    if (inm) {
      // A conditional request costs one small query; the listing runs only when it changed.
      const etag = await directoryEtag(app.db, request)
      if (inm.split(',').map((t) => t.trim()).includes(etag)) return reply.code(304).header('etag', etag).send(undefined as never) // no body at all (null would serialize)
    }
    const { page, etag } = await listAmbassadors(app.db, request)
    reply.header('etag', etag)
    return page
  })

  app.get('/suggestions', {
    config: { roles: ['manager'] },
    schema: {
      operationId: 'suggestAmbassadors', tags: ['ambassadors'],
      summary: 'Up to 10 Ambassadors who could take your request now, ranked, each with what matched (#16)',
      description: 'Managers only. Active, in-term Ambassadors with room, ranked by topic overlap, language, mode and a light caseload; '
        + 'the caller and every Ambassador in conflict of interest with the caller (declarations, supervisory chain) are left out without '
        + 'saying why. `score` = 3 per topic matched + 2 for the language + 1 per mode matched + 1 for a light caseload (2 when urgent); '
        + 'ties are ordered per caller. The manager still chooses (POST /v1/engagements).',
      querystring: SuggestionsQuerySchema,
      response: { 200: SuggestionsSchema, ...problems() },
    },
  }, async (req, reply) => {
    reply.header('cache-control', 'no-store').header('content-language', req.lang).header('vary', 'Accept-Language, Authorization')
    return suggest(app.db, req.actor, req.lang, req.query)
  })

  app.post('', {
    config: { location: true, roles: ['manager', 'nmno'], action: 'ambassador.apply', etag: { kind: 'ambassador', ifMatch: false } },
    schema: {
      description: 'A manager applies to become an Ambassador (for themselves), or nmno creates a candidate for an employee; the record starts as `applicant` and goes through selection (POST …/transitions).',
      operationId: 'createAmbassador', tags: ['ambassadors'],
      summary: 'Apply to become an Ambassador (a manager, for themselves) or create a candidate (nmno, for an employeeRef) (AMB-1)',
      body: CreateAmbassadorBodySchema,
      response: { 201: AmbassadorRecordSchema, ...problems('already-exists', 'rule-violated', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    const { view, version } = await applyAsAmbassador(app.db, req.actor, req.body)
    return reply.code(201).header('location', `/v1/ambassadors/${view.id}`).header('etag', recordEtag(version)).header('cache-control', 'no-store').send(view)
  })

  app.get('/:id', {
    config: { roles: DIRECTORY_ROLES, etag: 'ambassador' },
    schema: {
      description: 'One Ambassador by id: the public view (`view: public`) for managers and iService; the full record (`view: record`) for the Ambassador themself, nmno and governance. 404 when the caller may not see it.',
      operationId: 'getAmbassador', tags: ['ambassadors'],
      summary: 'One Ambassador: the public view, or the full record for the Ambassador themself, nmno and governance',
      params: IdParamsSchema,
      response: { 200: AmbassadorViewSchema, ...problems('not-found') },
    },
  }, async (req, reply) => {
    const { view, version } = await getAmbassador(app.db, req.actor, req.params.id, req.lang)
    reply.header('etag', view.view === 'record' ? recordEtag(version) : publicEtag(view))
    reply.header('cache-control', view.view === 'record' ? 'no-store' : 'private, no-cache').header('vary', 'Accept-Language, Authorization')
    return view
  })

  app.patch('/:id', {
    config: { roles: ['manager', 'nmno'], action: 'ambassador.update', etag: 'ambassador' },
    schema: {
      description: 'The Ambassador edits their own profile (bio, languages, modes, topics, capacity); nmno may edit every field. Send the record\'s ETag as If-Match.',
      operationId: 'updateAmbassador', tags: ['ambassadors'],
      summary: 'Edit the profile: the Ambassador their bio, languages, modes, topics and capacity; nmno everything (AMB-8). If-Match supported.',
      params: IdParamsSchema, body: UpdateAmbassadorBodySchema,
      response: { 200: AmbassadorRecordSchema, ...problems('not-found', 'precondition-failed', 'invalid-transition', 'bilingual-bio-required', 'profile-incomplete', 'payload-too-large', 'unsupported-media-type') },
    },
  }, async (req, reply) => {
    const { view, version } = await updateAmbassador(app.db, req.actor, req.params.id, req.body, req.headers['if-match'])
    return reply.header('etag', recordEtag(version)).header('cache-control', 'no-store').send(view)
  })

  app.post('/:id/transitions', {
    config: { roles: ['manager', 'nmno'], action: 'ambassador.transition', etag: 'ambassador' },
    schema: {
      description: 'Moves an Ambassador record through its states: nmno drives selection; the candidate confirms (`to: active` with `acceptGuidelines: true`) or withdraws. Each move checks its preconditions (competencies, references, orientation).',
      operationId: 'transitionAmbassador', tags: ['ambassadors'],
      summary: 'Move through selection (nmno), confirm with acceptGuidelines to become active (the candidate), or withdraw (AMB-1…AMB-4, AMB-6)',
      params: IdParamsSchema, body: TransitionBodySchema,
      response: { 200: AmbassadorRecordSchema, ...problems('not-found', 'invalid-transition', 'precondition-failed', 'competency-requirements-not-met', 'orientation-incomplete', 'guidelines-not-accepted', 'bilingual-bio-required', 'profile-incomplete') },
    },
  }, async (req, reply) => {
    const { view, version } = await transitionAmbassador(app.db, req.actor, req.params.id, req.body, req.headers['if-match'])
    return reply.header('etag', recordEtag(version)).header('cache-control', 'no-store').send(view)
  })

  app.put('/:id/competencies', {
    config: { roles: ['nmno'], action: 'ambassador.assess', etag: 'ambassador' },
    schema: {
      description: 'nmno records the five competency levels (1–4) assessed at the interview.',
      operationId: 'assessAmbassadorCompetencies', tags: ['ambassadors'], summary: 'Record the competency assessment, levels 1–4 (nmno, AMB-2)',
      params: IdParamsSchema, body: CompetenciesBodySchema,
      response: { 200: AmbassadorRecordSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req, reply) => {
    const { view, version } = await assessCompetencies(app.db, req.actor, req.params.id, req.body, req.headers['if-match'])
    return reply.header('etag', recordEtag(version)).header('cache-control', 'no-store').send(view)
  })

  app.post('/:id/training-records', {
    config: { roles: ['nmno'], action: 'ambassador.record-training', etag: 'ambassador' },
    schema: {
      description: 'nmno records an orientation part, a professional development session or a network call, attended or missed.',
      operationId: 'recordAmbassadorTraining', tags: ['ambassadors'],
      summary: 'Record an orientation part, a professional development session or a network call (nmno, AMB-3, AMB-9); three missed sessions in a row notify nmno',
      params: IdParamsSchema, body: TrainingRecordBodySchema,
      response: { 201: TrainingRecordSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await recordTraining(app.db, req.actor, req.params.id, req.body, req.headers['if-match'])))

  app.post('/:id/references', {
    config: { roles: ['nmno'], action: 'ambassador.record-reference' },
    schema: {
      description: 'nmno records one reference check of a candidate and its outcome.',
      operationId: 'recordAmbassadorReference', tags: ['ambassadors'],
      summary: 'Record a reference check of a candidate (nmno, Annex F); two satisfactory checks are needed before references_checked',
      params: IdParamsSchema, body: ReferenceCheckBodySchema,
      response: { 201: ReferenceCheckSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await recordReferenceCheck(app.db, req.actor, req.params.id, req.body)))

  app.post('/:id/renewals', {
    config: { roles: ['nmno'], action: 'ambassador.renew', etag: 'ambassador' },
    schema: {
      description: 'nmno extends an Ambassador\'s term by 24 months, with their agreement.',
      operationId: 'renewAmbassador', tags: ['ambassadors'], summary: 'Extend the term by 24 months with the Ambassador’s agreement (nmno, AMB-5)',
      params: IdParamsSchema, body: RenewalBodySchema,
      response: { 200: AmbassadorRecordSchema, ...problems('not-found', 'invalid-transition') },
    },
  }, async (req, reply) => {
    const { view, version } = await renewAmbassador(app.db, req.actor, req.params.id, req.headers['if-match'])
    return reply.header('etag', recordEtag(version)).header('cache-control', 'no-store').send(view)
  })
}
export default ambassadors
