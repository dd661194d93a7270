// src/shared/crypto.ts: sealed fields open only with their key and column; keyed hashes depend on the key.
import t from 'tap'
import { isSealed, keyedHash, newDataKey, open, seal, unwrapDataKey, useKeys } from '../src/shared/crypto.ts'
import { testConfig } from './helper.ts'

t.test('a sealed field opens with its data key and column only', async (t) => {
  useKeys(testConfig())
  const { key, wrapped } = newDataKey()
  t.same(unwrapDataKey(wrapped), key)
  const s = seal(key, 'goals.title', 'Talk to Jordan about leave')
  t.ok(isSealed(s))
  t.notMatch(s, /Jordan/)
  t.not(seal(key, 'goals.title', 'x'), seal(key, 'goals.title', 'x'), 'a fresh nonce each time')
  t.equal(open(key, 'goals.title', s), 'Talk to Jordan about leave')
  t.throws(() => open(key, 'goals.barriers', s), 'moved to another column: refused')
  t.throws(() => open(newDataKey().key, 'goals.title', s), 'another engagement’s key: refused')
  t.equal(open(key, 'goals.title', 'legacy plain text'), 'legacy plain text', 'a value written before encryption')
  t.equal(seal(key, 'goals.title', null), null)
})

t.test('keys come from DATA_KEY: another key opens nothing and hashes differently', async (t) => {
  useKeys(testConfig({ DATA_KEY: 'a'.repeat(40) }))
  const h1 = keyedHash('survey-token', 'tok')
  const { wrapped } = newDataKey()
  useKeys(testConfig({ DATA_KEY: 'b'.repeat(40) }))
  t.not(keyedHash('survey-token', 'tok'), h1)
  t.not(keyedHash('other', 'tok'), keyedHash('survey-token', 'tok'), 'purposes are separated')
  t.throws(() => unwrapDataKey(wrapped))
  useKeys(testConfig())
})
