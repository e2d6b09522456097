/**
 * The app's door for other folders. Node code (the server) may import it: it re-exports only the
 * runtime configuration (plain TypeScript) and, as types only, the page's mining session that the
 * widget drives (the session itself is a Svelte runes module, loaded by the pages).
 */
export { loadConfig, parseConfig, wantsRandomTestMiner, type AppConfig } from './config.ts'
export { windowStats, percentile, trimHistory, formatBytes, formatDuration, formatTao, type WindowStats } from './stats.ts'
export type { DownloadProgress, MiningImpl, MiningPhase, MiningSession, RegistrationOffer, TaskRecord } from './mining.svelte.ts'
