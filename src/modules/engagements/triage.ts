// ENG-1: the network is not for a manager's own wellness. The refusal points to the Peer Support
// Program and the EAP, read from the resource catalogue when it has them.
import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { AppError } from '../../errors/app-error.ts'

const FALLBACK = [
  { slug: 'peer_support_program', name: { en: 'Peer Support Program', fr: 'Programme de soutien par les pairs' } },
  { slug: 'eap', name: { en: 'Employee Assistance Program (EAP)', fr: 'Programme d’aide aux employés (PAE)' } },
]

export async function personalSupportReferral(db: Db): Promise<AppError> {
  let resources: unknown[] = FALLBACK
  try {
    const r = await sql<{ id: string; slug: string; nameEn: string; nameFr: string }>`
      SELECT id, slug, name_en, name_fr FROM resources WHERE slug IN ('peer_support_program', 'eap') ORDER BY slug DESC`.execute(db)
    if (r.rows.length) resources = r.rows.map((x) => ({ id: x.id, slug: x.slug, name: { en: x.nameEn, fr: x.nameFr } }))
  } catch {
    // The catalogue is not there yet (older schema): the named programs still answer.
  }
  return new AppError('personal-support-referral', {
    en: 'The M2M Network supports managers in helping their employees. For your own well-being, the Peer Support Program and the Employee Assistance Program are there for you.',
    fr: 'Le Réseau G2G aide les gestionnaires à soutenir leurs employés. Pour votre propre bien-être, le Programme de soutien par les pairs et le Programme d’aide aux employés sont là pour vous.',
  }, { extensions: { resources } })
}
