// RPT-2 (#11 finding 4): held survey answers reach the response tables in shuffled batches, as
// `system:survey-release` through authorize('job.release-surveys') (advisory lock: one replica at
// a time). The release is the surveys module's (surveys/release.ts, which says why it is shaped so).
export { releaseSurveyAnswers as releaseSurveys, RELEASE_BATCH } from '../modules/surveys/release.ts'
