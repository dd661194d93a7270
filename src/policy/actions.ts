// The registry of every write action. Each entry is a policy (definePolicy) whose check loads its
// facts and refuses; an action that is not here cannot be authorized, and a write route that names
// none does not boot (plugins/policy-guard).
import { ambassadorPolicies } from '../modules/ambassadors/policy.ts'
import { conflictDeclarationPolicies } from '../modules/conflict-declarations/policy.ts'
import { consentPolicies, disclosurePolicies } from '../modules/consents/policy.ts'
import { crisisEscalationPolicies } from '../modules/crisis-escalations/policy.ts'
import { engagementLifecyclePolicies, engagementPolicies } from '../modules/engagements/policy.ts'
import { goalPolicies } from '../modules/engagements/goals.ts'
import { meetingPolicies } from '../modules/engagements/meetings.ts'
import { referralPolicies } from '../modules/engagements/referrals.ts'
import { guidelinesPolicies } from '../modules/conduct-guidelines/policy.ts'
import { notificationPolicies } from '../modules/notifications/policy.ts'
import { orgPolicies } from '../modules/org/policy.ts'
import { resourcePolicies } from '../modules/resources/policy.ts'
import { retentionPolicies } from '../modules/retention/policy.ts'
import { reportPolicies } from '../modules/reports/policy.ts'
import { surveyPolicies } from '../modules/surveys/policy.ts'
import { revocationCasePolicies } from '../modules/revocation-cases/policy.ts'
import { jobPolicies } from '../jobs/policy.ts'

export const actions = {
  ...ambassadorPolicies,
  ...guidelinesPolicies,
  ...engagementPolicies,
  ...engagementLifecyclePolicies,
  ...meetingPolicies,
  ...goalPolicies,
  ...referralPolicies,
  ...consentPolicies,
  ...disclosurePolicies,
  ...crisisEscalationPolicies,
  ...notificationPolicies,
  ...conflictDeclarationPolicies,
  ...orgPolicies,
  ...resourcePolicies,
  ...reportPolicies,
  ...surveyPolicies,
  ...revocationCasePolicies,
  ...retentionPolicies,
  ...jobPolicies,
}

export type Action = keyof typeof actions
