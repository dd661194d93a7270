export { sweepExpiredRequests as expireRequests } from '../modules/engagements/service.ts'
