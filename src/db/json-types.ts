// The shapes of jsonb columns, which the catalog does not know: scripts/db-types.ts names them in the
// generated src/db/schema.ts.

export interface Competencies {
  empathyCompassion: number
  communication: number
  integrity: number
  learningDevelopment: number
  emotionalIntelligence: number
  assessedAt: string
  assessedBy: string
}

/** A governance review meeting's attendees: by role and number, no names (#15). */
export interface Attendee { role: 'governance' | 'nmno' | 'ambassador' | 'manager' | 'hr' | 'union' | 'other'; count: number }

/** A survey comment released to governance (#15): its audience and text only. */
export interface ReleasedComment { audience: 'manager' | 'ambassador'; text: string }

/** A typed question of a versioned survey instrument (#15). */
export interface InstrumentQuestion {
  id: string
  type: 'scale_1_5' | 'yes_no' | 'yes_no_na' | 'choice' | 'comment' | 'count'
  required: boolean
  text: { en: string; fr: string }
  options?: { value: string; label: { en: string; fr: string } }[]
  min?: number
  max?: number
}
