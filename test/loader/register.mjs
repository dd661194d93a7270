// The tests' TypeScript loader (tap's node-arg `--import=./test/loader/register.mjs`): strips the
// types of the project's own .ts files with esbuild, keeping each result in a cache under the
// system's temporary folder keyed by the file's path and contents, and leaves every other module
// (node_modules, node:) to Node. tsx does the same and more (tsconfig paths, extensionless and .js→.ts
// resolution, CommonJS), which costs every test process a second of CPU that these files, all
// imported with their .ts extension, do not need. npm scripts and the servers the tests start keep tsx.
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)
