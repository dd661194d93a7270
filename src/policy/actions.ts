// The registry of every write action, composed from the modules' policies. Each entry is a policy
// (definePolicy) whose check loads its facts and refuses; an action that is not here cannot be
// authorized, and a write route that names none does not boot (plugins/policy-guard).
// Imported by the entry points only (app.ts, jobs, scripts): importing it registers the policies
// with policy/registry.ts, which authorize() reads. Nothing in the policy layer imports it at run
// time (types only), so no module's import reaches back to itself through here (#13 item 6).
import { registerPolicies } from './registry.ts'
import { ambassadorPolicies } from '../modules/ambassadors/policy.ts'
import { conflictDeclarationPolicies } from '../modules/conflict-declarations/policy.ts'
import { consentPolicies } from '../modules/consents/policy.ts'
import { disclosurePolicies } from '../modules/disclosures/policy.ts'
import { crisisEscalationPolicies } from '../modules/crisis-escalations/policy.ts'
import { engagementLifecyclePolicies, engagementPolicies } from '../modules/engagements/policy.ts'
import { goalPolicies } from '../modules/goals/policy.ts'
import { meetingPolicies } from '../modules/meetings/policy.ts'
import { referralPolicies } from '../modules/referrals/policy.ts'
import { guidelinesPolicies } from '../modules/conduct-guidelines/policy.ts'
import { notificationPolicies } from '../modules/notifications/policy.ts'
import { orgPolicies } from '../modules/org/policy.ts'
import { resourcePolicies } from '../modules/resources/policy.ts'
import { retentionPolicies } from '../modules/retention/policy.ts'
import { reportPolicies } from '../modules/reports/policy.ts'
import { instrumentPolicies, surveyPolicies } from '../modules/surveys/policy.ts'
import { revocationCasePolicies } from '../modules/revocation-cases/policy.ts'
import { engagementTermsPolicies } from '../modules/engagement-terms/policy.ts'
import { concernPolicies } from '../modules/concerns/policy.ts'
import { selfCarePolicies } from '../modules/self-care-check-ins/policy.ts'
import { governancePolicies } from '../modules/governance/policy.ts'
import { programPolicies } from '../modules/program/policy.ts'
import { webhookPolicies } from '../modules/webhooks/policy.ts'
import { waitlistPolicies } from '../modules/waitlist/policy.ts'
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
  ...instrumentPolicies,
  ...revocationCasePolicies,
  ...retentionPolicies,
  ...engagementTermsPolicies,
  ...concernPolicies,
  ...selfCarePolicies,
  ...governancePolicies,
  ...programPolicies,
  ...webhookPolicies,
  ...waitlistPolicies,
  ...jobPolicies,
}

export type Policies = typeof actions
export type Action = keyof Policies

registerPolicies(actions)
