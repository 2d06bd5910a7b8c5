/** The Kubernetes validating admission webhook (`exit139-guard webhook`). */
export {
  loadWebhookConfig,
  parseWebhookConfig,
  DEFAULT_WEBHOOK_CONFIG,
  MODES,
  type Mode,
  type WebhookConfig,
} from './config.js';
export { startWebhook, type LogEntry, type RunningWebhook, type WebhookOptions } from './server.js';
export type { AdmissionRequest, AdmissionResponse, AdmissionReview } from './admission.js';
