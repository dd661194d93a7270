// `npm run token -- --sub E123 --roles manager[,nmno] [--ttl 3600]`: a development token signed
// with JWT_SECRET or the secret the service generated under .data/.
import { createSigner } from 'fast-jwt'
import { parseArgs } from 'node:util'
import { loadConfig, withDevSecret } from '../src/config.ts'

const { values } = parseArgs({ options: { sub: { type: 'string' }, roles: { type: 'string', default: '' }, ttl: { type: 'string', default: '3600' } } })
if (!values.sub) {
  console.error('usage: npm run token -- --sub E123 --roles manager[,nmno,governance,hr_analyst,iservice] [--ttl seconds]')
  process.exit(2)
}
const config = withDevSecret(loadConfig())
if (!config.jwt.secret) {
  console.error('npm run token signs HS256 development tokens; this configuration uses JWKS (production).')
  process.exit(2)
}
const sign = createSigner({
  key: config.jwt.secret, algorithm: 'HS256', expiresIn: Number(values.ttl) * 1000,
  ...(config.jwt.issuer ? { iss: config.jwt.issuer } : {}), ...(config.jwt.audience ? { aud: config.jwt.audience } : {}),
})
console.log(sign({ sub: values.sub, roles: values.roles.split(',').map((r) => r.trim()).filter(Boolean) }))
