/**
 * The embeddable widget: the iframe side of `<webtensor-miner>` (static/widget.js is the host
 * side). Mounted by src/main.ts when the page URL has `?mode=widget`.
 */
export {
  ConsentStore, CONSENT_KEY, STORAGE_ACCESS_TYPES, browserFrameEnv, idbConsentStorage, memoryStorage, openFrameStorage, requestStorageAccess, restoreStorageAccess, usableStorage,
  type ConsentRecord, type ConsentStorage, type FrameStorageEnv, type StorageAccessHandleLike, type StorageAccessTypes, type StorageMode,
} from './consent.ts'
export { hostOrigin, widgetParams, DEFAULT_WIDGET_DUTY_CYCLE, MAX_HOST_DUTY_CYCLE, type WidgetParams } from './host.ts'
export {
  HOST_SOURCE, WIDGET_SOURCE, PROTOCOL_VERSION, isNonce, parseHostMessage, parseStatusMessage, statusMessage,
  type HostMessage, type WidgetStatus,
} from './protocol.ts'
export {
  WidgetController, refusal, seenEnough, MIN_VISIBLE_HEIGHT, MIN_VISIBLE_WIDTH, SERIOUS_DUTY_CYCLE, type HoldReason, type Visibility, type PressureLevel, type RefusalReason, type WidgetControllerInit,
} from './widget-state.svelte.ts'

/** True when the page was opened as the widget (`?mode=widget`). */
export function isWidgetMode(url: string): boolean {
  return new URL(url).searchParams.get('mode') === 'widget'
}
