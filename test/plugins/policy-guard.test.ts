// The policy layer cannot be bypassed: a write route without a registered config.action stops the boot.
import t from 'tap'
import { buildLocal } from './local-build.ts'

t.test('policy guard: a POST route without config.action fails the boot', async (t) => {
  await t.rejects(
    buildLocal(t, {
      extend(app) {
        app.register(async (child) => {
          child.post('/v1/__test/unguarded', async () => ({ ok: true }))
        })
      },
    }),
    /policy-guard: POST \/v1\/__test\/unguarded has no registered config.action/,
  )
})

t.test('policy guard: an unknown action name fails the boot too', async (t) => {
  await t.rejects(
    buildLocal(t, {
      extend(app) {
        app.register(async (child) => {
          child.delete('/v1/__test/unguarded/:id', { config: { action: 'made.up' } }, async () => ({ ok: true }))
        })
      },
    }),
    /policy-guard: DELETE .* has no registered config.action \(got made.up\)/,
  )
})

t.test('policy guard: a GET route needs no action', async (t) => {
  const { app } = await buildLocal(t, {
    extend(app) {
      app.register(async (child) => {
        child.get('/v1/__test/read', { config: { public: true } }, async () => ({ ok: true }))
      })
    },
  })
  t.equal((await app.inject({ url: '/v1/__test/read' })).statusCode, 200)
})
