// Builds an app like helper.build, but lets a test register its own routes (or child plugins)
// before ready, and/or pass a full configuration. Not a test file (no .test.ts suffix).
import { Writable } from 'node:stream'
import type { Test } from 'tap'
import { buildApp, type App } from '../../src/app.ts'
import type { Config } from '../../src/config.ts'
import type { Db } from '../../src/db/database.ts'
import { testConfig, testDatabase } from '../helper.ts'

export interface LocalBuild {
  config?: Readonly<Config>
  env?: Record<string, string>
  captureLogs?: boolean
  db?: Db
  /** Called after buildApp and before ready: register test routes here. */
  extend?: (app: App) => void | Promise<void>
}

export async function buildLocal(t: Test, opts: LocalBuild = {}): Promise<{ app: App; db: Db; logs: string[] }> {
  const db = opts.db ?? (await testDatabase(t)).db
  const logs: string[] = []
  const logStream = opts.captureLogs ? new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb() } }) : undefined
  const config = opts.config ?? testConfig({ ...(opts.captureLogs ? { LOG_LEVEL: 'trace' } : {}), ...opts.env })
  const app = await buildApp({ config, db, logStream })
  t.teardown(() => app.close())
  await opts.extend?.(app)
  await app.ready()
  return { app, db, logs }
}
