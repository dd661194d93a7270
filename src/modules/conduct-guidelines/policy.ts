import { sql } from 'kysely'
import { NotFound, PolicyDenied } from '../../errors/app-error.ts'
import { forbidden } from '../../errors/app-error.ts'
import { ACTIVE_IN_TERM } from '../../policy/actor.ts'
import { definePolicy } from '../../policy/define.ts'

export const guidelinesPolicies = {
  'guidelines.publish': definePolicy({
    summary: 'nmno publishes a new version of the Guidelines of Conduct (AMB-10).',
    auditAs: 'staff',
    async check(trx, actor, _target: Record<string, never>) {
      if (!actor.roles.has('nmno')) throw forbidden()
      // Publications are serialised (a row lock on the latest version would let two writers read the
      // same maximum): two publications at once get consecutive numbers.
      await sql`SELECT pg_advisory_xact_lock(hashtext('conduct_guidelines.publish'))`.execute(trx)
      const cur = await trx.selectFrom('conductGuidelines').select('version').orderBy('version', 'desc').limit(1).executeTakeFirstOrThrow()
      return { currentVersion: cur.version }
    },
  }),
  'guidelines.accept': definePolicy({
    summary: 'An active Ambassador accepts the current version of the Guidelines of Conduct (AMB-10).',
    auditAs: 'ambassador',
    async check(trx, actor, target: { version: number }) {
      if (!actor.roles.has('manager')) throw forbidden()
      const amb = await trx.selectFrom('ambassadors').select(['id']).where('employeeRef', '=', actor.sub).where(ACTIVE_IN_TERM).forUpdate().executeTakeFirst()
      if (!amb) throw new NotFound()
      const cur = await trx.selectFrom('conductGuidelines').select('version').orderBy('version', 'desc').limit(1).forShare().executeTakeFirstOrThrow()
      if (target.version !== cur.version) {
        throw new PolicyDenied('rule-violated', { en: `Version ${target.version} is not the current version (${cur.version}).`, fr: `La version ${target.version} n’est pas la version en vigueur (${cur.version}).` }, { extensions: { currentVersion: cur.version } })
      }
      return { ambassadorId: amb.id }
    },
  }),
}
