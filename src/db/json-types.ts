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
