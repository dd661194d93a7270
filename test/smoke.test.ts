import t from 'tap'
import { activeAmbassador, build, call, as } from './helper.ts'

t.test('an Ambassador can be taken from application to the directory', async (t) => {
  const { app } = await build(t)
  const { id } = await activeAmbassador(app, 'E100')
  const res = await call(app, { url: '/v1/ambassadors', as: as('E200', 'manager') })
  t.equal(res.status, 200)
  t.same(res.body.items.map((i: any) => i.id), [id])
})
