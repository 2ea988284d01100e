import type { IgnoredEvent, Json, NormalizeOptions, TriggerIncident } from './event-types.js';
import { text } from './event-types.js';
import { toServiceName } from './service-mapping.js';

/** A direct invocation naming the service: `{"service": "cart-service"}`. */
export function isPlainEvent(event: Json): boolean {
  return 'service' in event;
}

/**
 * `{service, namespace?, text?, dedupeKey?, responseUrl?, requestedBy?}`: a test invocation, a
 * CronJob, or a job dispatched by the Slack command (which passes its key and its response URL).
 */
export function normalizePlain(event: Json, options: NormalizeOptions): TriggerIncident | IgnoredEvent {
  const service = text(event.service);
  if (!service) return { ignored: '`service` must be a non-empty string', kind: 'malformed', shape: 'plain' };
  if (toServiceName(service) !== service) {
    return { ignored: `'${service}' is not a valid service name`, kind: 'malformed', shape: 'plain' };
  }
  const namespace = text(event.namespace);
  const source = options.source ?? 'lambda';
  const responseUrl = text(event.responseUrl);
  const requestedBy = text(event.requestedBy);
  const alert = text(event.text) ?? text(event.alert);
  return {
    service,
    ...(namespace ? { namespace } : {}),
    source,
    ...(alert ? { text: alert } : {}),
    // A plain invocation has no identity of its own: each one is new unless the caller names a key.
    dedupeKey:
      text(event.dedupeKey) ?? `${source}:${namespace ?? ''}/${service}:${options.now.toISOString()}`,
    ...(responseUrl ? { responseUrl } : {}),
    ...(requestedBy ? { requestedBy } : {}),
  };
}
