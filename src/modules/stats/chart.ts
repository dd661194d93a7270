// #15 item 3: statistics as an SVG chart (`Accept: image/svg+xml` on /v1/stats/pilot and
// /v1/stats/engagements). The chart shows exactly the published figures of the JSON answer (the same
// perturbed counts; a suppressed one as the word "suppressed" / "supprimé", never a bar), in English
// or French. Rendered on the server by vega-lite (the spec) and vega's SVG renderer (no browser, no
// canvas): text widths are estimated, which is enough for labels.
// vega and vega-lite are loaded on the first chart only (#18: they were a quarter of the start time).
import type { TopLevelSpec } from 'vega-lite'
import type { PilotAnswer } from './pilot.ts'

type Lang = 'en' | 'fr'
export interface Bar { panel: string; label: string; value: number; text: string }

const T = {
  suppressed: { en: 'suppressed', fr: 'supprimé' },
  pilotTitle: { en: 'M2M Network pilot dashboard', fr: 'Tableau de bord du projet pilote du Réseau G2G' },
  engagementsTitle: { en: 'M2M Network statistics', fr: 'Statistiques du Réseau G2G' },
  to: { en: 'to', fr: 'à' },
  note: {
    en: 'Counts are perturbed (within ±2) and small counts suppressed to protect confidentiality.',
    fr: 'Les nombres sont perturbés (à ±2 près) et les petits nombres supprimés pour protéger la confidentialité.',
  },
  total: { en: 'total', fr: 'total' },
  counts: { en: 'Counts for the period', fr: 'Nombres pour la période' },
  shares: { en: 'Shares (%)', fr: 'Proportions (%)' },
  hours: { en: 'Median hours to a first answer', fr: 'Heures médianes avant une première réponse' },
  means: { en: 'Survey means (scale 1–5; meetings needed: number)', fr: 'Moyennes des sondages (échelle 1 à 5; rencontres nécessaires : nombre)' },
} as const

const NAMES: Record<string, { en: string; fr: string }> = {
  activeByLanguage: { en: 'Active Ambassadors by language', fr: 'Ambassadeurs actifs par langue' },
  activeByMode: { en: 'Active Ambassadors by mode', fr: 'Ambassadeurs actifs par mode' },
  activeByTopic: { en: 'Active Ambassadors by topic', fr: 'Ambassadeurs actifs par sujet' },
  declinesByReason: { en: 'Declines by reason', fr: 'Refus par motif' },
  transfersByReason: { en: 'Transfers by reason', fr: 'Transferts par motif' },
  closuresByOutcome: { en: 'Closures by outcome', fr: 'Clôtures par résultat' },
  awarenessChannels: { en: 'How managers heard of the Network', fr: 'Comment les gestionnaires ont connu le Réseau' },
  requests: { en: 'requests', fr: 'demandes' },
  accepted: { en: 'accepted', fr: 'acceptées' },
  declined: { en: 'declined', fr: 'refusées' },
  expired: { en: 'expired', fr: 'expirées' },
  closed: { en: 'closed', fr: 'closes' },
  transfers: { en: 'transfers', fr: 'transferts' },
  acceptanceRate: { en: 'acceptance rate', fr: 'taux d’acceptation' },
  moreThanTwoMeetings: { en: 'needing more than two meetings', fr: 'plus de deux rencontres' },
  activeAtCapacity: { en: 'Ambassadors at capacity', fr: 'ambassadeurs à pleine capacité' },
  orientationComplete: { en: 'orientation complete', fr: 'orientation terminée' },
  professionalDevelopmentThisYear: { en: 'professional development this year', fr: 'perfectionnement cette année' },
  'medianHoursToFirstAnswer.urgent': { en: 'urgent', fr: 'urgentes' },
  'medianHoursToFirstAnswer.routine': { en: 'routine', fr: 'courantes' },
  en: { en: 'English', fr: 'anglais' },
  fr: { en: 'French', fr: 'français' },
  in_person: { en: 'in person', fr: 'en personne' }, phone: { en: 'phone', fr: 'téléphone' }, video: { en: 'video', fr: 'vidéo' }, email: { en: 'email', fr: 'courriel' },
  recognizing_signs: { en: 'recognizing signs', fr: 'reconnaître les signes' }, role_and_responsibilities: { en: 'role and responsibilities', fr: 'rôle et responsabilités' },
  difficult_conversation: { en: 'difficult conversation', fr: 'conversation difficile' }, performance_and_wellbeing: { en: 'performance and well-being', fr: 'rendement et bien-être' },
  return_to_work: { en: 'return to work', fr: 'retour au travail' }, accommodation: { en: 'accommodation', fr: 'mesures d’adaptation' },
  team_impact: { en: 'team impact', fr: 'effets sur l’équipe' }, crisis: { en: 'crisis', fr: 'crise' }, grief_and_loss: { en: 'grief and loss', fr: 'deuil et perte' },
  substance_use: { en: 'substance use', fr: 'consommation de substances' }, workplace_conflict: { en: 'workplace conflict', fr: 'conflit au travail' },
  manager_self_care: { en: 'manager self-care', fr: 'soins personnels du gestionnaire' },
  goals_met: { en: 'goals met', fr: 'objectifs atteints' }, partially_met: { en: 'partially met', fr: 'atteints en partie' },
  referred_to_resource: { en: 'referred to a resource', fr: 'orienté vers une ressource' }, no_longer_needed: { en: 'no longer needed', fr: 'n’est plus nécessaire' },
  other: { en: 'other', fr: 'autre' }, capacity: { en: 'capacity', fr: 'capacité' }, conflict_of_interest: { en: 'conflict of interest', fr: 'conflit d’intérêts' },
  outside_competence: { en: 'outside competence', fr: 'hors compétence' }, ambassador_unavailable: { en: 'Ambassador unavailable', fr: 'ambassadeur indisponible' },
  national_managers_community: { en: 'National Managers’ Community', fr: 'Communauté nationale des gestionnaires' },
  team_leaders_community_of_practice: { en: 'Team Leaders’ Community of Practice', fr: 'Communauté de pratique des chefs d’équipe' },
  management_committee: { en: 'management committee', fr: 'comité de gestion' }, human_resources: { en: 'Human Resources', fr: 'Ressources humaines' },
  union_representative: { en: 'union representative', fr: 'représentant syndical' }, eap: { en: 'EAP', fr: 'PAE' },
  informal_conflict_management: { en: 'Informal Conflict Management', fr: 'Gestion informelle des conflits' }, values_and_ethics: { en: 'Values and Ethics', fr: 'Valeurs et éthique' },
  disability_management: { en: 'Disability Management', fr: 'Gestion de l’incapacité' }, iservice: { en: 'iService', fr: 'iService' },
  'manager.trustBuilt': { en: 'managers: trust built', fr: 'gestionnaires : confiance établie' },
  'manager.knowledgeExperience': { en: 'managers: knowledge and experience', fr: 'gestionnaires : connaissances et expérience' },
  'ambassador.trainingAdequate': { en: 'Ambassadors: training adequate', fr: 'ambassadeurs : formation adéquate' },
  'ambassador.meetingsNeeded': { en: 'Ambassadors: meetings needed', fr: 'ambassadeurs : rencontres nécessaires' },
}
const nameOf = (key: string, lang: Lang) => NAMES[key]?.[lang] ?? key.replace(/_/g, ' ')

const num = (n: number, lang: Lang) => (lang === 'fr' ? String(n).replace('.', ',') : String(n))

/** One bar per published figure; a suppressed one has no bar and says so. */
const bar = (panel: string, label: string, value: number | null, lang: Lang, suffix = ''): Bar =>
  value === null ? { panel, label, value: 0, text: T.suppressed[lang] } : { panel, label, value, text: `${num(value, lang)}${suffix}` }

export function pilotBars(a: PilotAnswer, lang: Lang): Bar[] {
  const bars: Bar[] = []
  for (const f of a.figures.filter((x) => x.unit === 'count')) bars.push(bar(T.counts[lang], nameOf(f.name, lang), f.value, lang))
  for (const f of a.figures.filter((x) => x.unit === 'share')) {
    bars.push(bar(T.shares[lang], nameOf(f.name, lang), f.value === null ? null : Math.round(f.value * 1000) / 10, lang, ' %'))
  }
  for (const f of a.figures.filter((x) => x.unit === 'hours')) bars.push(bar(T.hours[lang], nameOf(f.name, lang), f.value, lang, ' h'))
  for (const t of a.tables) {
    const panel = nameOf(t.name, lang)
    for (const c of t.cells) bars.push(bar(panel, nameOf(c.key, lang), c.count, lang))
    bars.push(bar(panel, T.total[lang], t.total.count, lang))
  }
  for (const [survey, cells] of Object.entries(a.surveys)) {
    for (const c of cells.filter((x) => x.mean !== undefined)) bars.push(bar(T.means[lang], nameOf(`${survey}.${String(c.question)}`, lang), typeof c.mean === 'number' ? c.mean : null, lang))
  }
  return bars
}

export interface EngagementLike { measure: string; groupBy: string[]; cells: Record<string, unknown>[]; total: { count: number | null } }

export function engagementBars(a: EngagementLike, lang: Lang): Bar[] {
  const panel = `${a.measure} × ${a.groupBy.join(', ')}`
  return [
    ...a.cells.map((c) => bar(panel, a.groupBy.map((d) => nameOf(String(c[d]), lang)).join(' · '), typeof c.count === 'number' ? c.count : null, lang)),
    bar(panel, T.total[lang], a.total.count, lang),
  ]
}

/** The SVG of these bars: one panel per table, a bar and its published figure per row. */
export async function chartSvg(bars: Bar[], title: string, lang: Lang): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: T.note[lang] },
    data: { values: bars },
    facet: { row: { field: 'panel', type: 'nominal', title: null, sort: null, header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelFontWeight: 'bold', labelOrient: 'top' } } },
    spec: {
      width: 360,
      layer: [
        { mark: { type: 'bar', color: '#26374a' }, encoding: { y: { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 320 } }, x: { field: 'value', type: 'quantitative', title: null, axis: null } } },
        { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { y: { field: 'label', type: 'nominal', sort: null }, x: { field: 'value', type: 'quantitative' }, text: { field: 'text', type: 'nominal' } } },
      ],
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
    config: { font: 'sans-serif', view: { stroke: null } },
    usermeta: { lang },
  }
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')])
  // Warnings of the compiler (e.g. on independent facet scales, which are meant) stay out of the log.
  const view = new vega.View(vega.parse(compile(spec, { logger: vega.logger(vega.None) }).spec), { renderer: 'none', logLevel: vega.None })
  const svg = await view.toSVG()
  view.finalize()
  // The language of the text, for assistive technology.
  return svg.replace('<svg ', `<svg lang="${lang}" role="img" aria-label="${title.replace(/[<>&"]/g, '')}" `)
}

export const pilotTitle = (a: PilotAnswer, lang: Lang) => `${T.pilotTitle[lang]}, ${a.from} ${T.to[lang]} ${a.to}`
export const engagementsTitle = (a: { from: string; to: string }, lang: Lang) => `${T.engagementsTitle[lang]}, ${a.from} ${T.to[lang]} ${a.to}`
