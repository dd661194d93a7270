// Fixed vocabularies (SPEC §3.10).
export const LANGUAGES = ['en', 'fr'] as const
export const MODES = ['in_person', 'phone', 'video', 'email'] as const
export const TOPICS = [
  'recognizing_signs', 'role_and_responsibilities', 'difficult_conversation', 'performance_and_wellbeing',
  'return_to_work', 'accommodation', 'team_impact', 'crisis', 'grief_and_loss', 'substance_use',
  'workplace_conflict', 'manager_self_care',
] as const
export type LanguageCode = (typeof LANGUAGES)[number]
