// The registry of problem types (RFC 9457). Every `code` the API can answer is listed here, once,
// with its status and its English and French title; the OpenAPI document lists them all.

export interface ProblemType {
  status: number
  title: { en: string; fr: string }
}

export const problemTypes = {
  'validation-failed': { status: 400, title: { en: 'The request is not valid', fr: 'La requête n’est pas valide' } },
  'malformed-body': { status: 400, title: { en: 'The request body could not be read', fr: 'Le corps de la requête est illisible' } },
  'invalid-header': { status: 400, title: { en: 'A request header is not valid', fr: 'Un en-tête de la requête n’est pas valide' } },
  'invalid-cursor': { status: 400, title: { en: 'The pagination cursor is not valid', fr: 'Le curseur de pagination n’est pas valide' } },
  unauthorized: { status: 401, title: { en: 'Authentication is required', fr: 'Une authentification est requise' } },
  forbidden: { status: 403, title: { en: 'You may not do this', fr: 'Vous n’êtes pas autorisé à faire ceci' } },
  'not-found': { status: 404, title: { en: 'Not found', fr: 'Introuvable' } },
  'method-not-allowed': { status: 405, title: { en: 'Method not allowed', fr: 'Méthode non permise' } },
  'not-acceptable': { status: 406, title: { en: 'No acceptable representation', fr: 'Aucune représentation acceptable' } },
  'request-timeout': { status: 408, title: { en: 'The request was not received in time', fr: 'La requête n’a pas été reçue à temps' } },
  'engagement-open': { status: 409, title: { en: 'The engagement is still open', fr: 'Le jumelage est encore ouvert' } },
  'invalid-transition': { status: 409, title: { en: 'This status change is not allowed', fr: 'Ce changement de statut n’est pas permis' } },
  'already-exists': { status: 409, title: { en: 'This already exists', fr: 'Ceci existe déjà' } },
  'idempotency-in-progress': { status: 409, title: { en: 'A request with this Idempotency-Key is in progress', fr: 'Une requête avec cette clé Idempotency-Key est en cours' } },
  'ambassador-unavailable': { status: 409, title: { en: 'This Ambassador cannot take a new request', fr: 'Cet ambassadeur ne peut accepter de nouvelle demande' } },
  'self-engagement': { status: 409, title: { en: 'You cannot request yourself', fr: 'Vous ne pouvez pas vous choisir vous-même' } },
  'duplicate-engagement': { status: 409, title: { en: 'You already have an open engagement with this Ambassador', fr: 'Vous avez déjà un jumelage ouvert avec cet ambassadeur' } },
  'ambassador-available': { status: 409, title: { en: 'An Ambassador who fits has room now', fr: 'Un ambassadeur qui correspond a de la place maintenant' } },
  'conflict-of-interest': { status: 409, title: { en: 'This pairing is not possible', fr: 'Ce jumelage n’est pas possible' } },
  'request-expired': { status: 409, title: { en: 'The request expired', fr: 'La demande a expiré' } },
  'limit-reached': { status: 409, title: { en: 'A limit is reached', fr: 'Une limite est atteinte' } },
  'too-few-comments': { status: 409, title: { en: 'Too few comments to release', fr: 'Trop peu de commentaires à communiquer' } },
  'extension-required': { status: 409, title: { en: 'An extension must be agreed first', fr: 'Une prolongation doit d’abord être convenue' } },
  'precondition-failed': { status: 412, title: { en: 'The resource has changed', fr: 'La ressource a été modifiée' } },
  'payload-too-large': { status: 413, title: { en: 'The request body is too large', fr: 'Le corps de la requête est trop volumineux' } },
  'uri-too-long': { status: 414, title: { en: 'The request URI is too long', fr: 'L’URI de la requête est trop longue' } },
  'unsupported-media-type': { status: 415, title: { en: 'Unsupported content type', fr: 'Type de contenu non pris en charge' } },
  'competency-requirements-not-met': { status: 422, title: { en: 'The competency assessment does not meet the required levels', fr: 'L’évaluation des compétences n’atteint pas les niveaux requis' } },
  'references-incomplete': { status: 422, title: { en: 'Two satisfactory reference checks are needed first', fr: 'Deux vérifications de références satisfaisantes sont d’abord nécessaires' } },
  'supervisor-arrangement-required': { status: 422, title: { en: 'The arrangement with the supervisor must be in place first', fr: 'L’entente avec le superviseur doit d’abord être en place' } },
  'orientation-incomplete': { status: 422, title: { en: 'Not all six orientation parts were attended', fr: 'Les six parties de l’orientation n’ont pas toutes été suivies' } },
  'guidelines-not-accepted': { status: 422, title: { en: 'The Guidelines of Conduct must be accepted', fr: 'Les lignes directrices de conduite doivent être acceptées' } },
  'bilingual-bio-required': { status: 422, title: { en: 'A bio in both official languages is required', fr: 'Une biographie dans les deux langues officielles est requise' } },
  'profile-incomplete': { status: 422, title: { en: 'The Ambassador profile is incomplete', fr: 'Le profil de l’ambassadeur est incomplet' } },
  'personal-support-referral': { status: 422, title: { en: 'The network is for supporting your employees', fr: 'Le réseau sert à soutenir vos employés' } },
  'identifying-text': { status: 422, title: { en: 'The text must not identify a manager or another employee', fr: 'Le texte ne doit pas identifier un gestionnaire ni un autre employé' } },
  'revocation-not-permitted': { status: 422, title: { en: 'Personal health grounds alone permit only a temporary suspension', fr: 'Des motifs de santé personnelle seuls ne permettent qu’une suspension temporaire' } },
  'consent-required': { status: 422, title: { en: 'An active consent of the manager covering this disclosure is required', fr: 'Un consentement actif du gestionnaire couvrant cette communication est requis' } },
  'justification-required': { status: 422, title: { en: 'A confidentiality exception requires a justification', fr: 'Une exception à la confidentialité exige une justification' } },
  'emergency-services-required': { status: 422, title: { en: 'The appropriate services or authorities must be contacted', fr: 'Les services ou autorités compétents doivent être contactés' } },
  'terms-not-accepted': { status: 422, title: { en: 'The network’s terms must be accepted first', fr: 'Les conditions du réseau doivent d’abord être acceptées' } },
  'rule-violated': { status: 422, title: { en: 'The request breaks a rule of the network', fr: 'La requête enfreint une règle du réseau' } },
  'survey-token-invalid': { status: 422, title: { en: 'This survey link is not valid', fr: 'Ce lien de sondage n’est pas valide' } },
  'idempotency-key-reused': { status: 422, title: { en: 'Idempotency-Key reused with a different request', fr: 'Clé Idempotency-Key réutilisée pour une autre requête' } },
  'headers-too-large': { status: 431, title: { en: 'The request headers are too large', fr: 'Les en-têtes de la requête sont trop volumineux' } },
  'too-many-requests': { status: 429, title: { en: 'Too many requests', fr: 'Trop de requêtes' } },
  'internal-error': { status: 500, title: { en: 'Internal error', fr: 'Erreur interne' } },
  'service-unavailable': { status: 503, title: { en: 'Service temporarily unavailable', fr: 'Service temporairement indisponible' } },
} as const satisfies Record<string, ProblemType>

export type ProblemCode = keyof typeof problemTypes

export const PROBLEM_TYPE_BASE = 'https://m2m-network.example/problems/'
export const problemTypeUri = (code: ProblemCode) => PROBLEM_TYPE_BASE + code
