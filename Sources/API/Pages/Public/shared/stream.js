// The live stream (contract §8) read with fetch. EventSource cannot send the Authorization header the
// stream requires, so this follows EventSource's rules itself: it honours `retry:`, remembers the last
// `id:` and reconnects with `Last-Event-ID`, so nothing is missed and nothing is repeated.

/** No byte at all (heartbeats included) for this long: the connection is dead, open another. */
const SILENCE_LIMIT_MS = 75000;
/** Connection attempts that fail in a row before giving the caller a say (it reloads the snapshot). */
const FAILURES_BEFORE_GIVING_UP = 3;

/**
 * Opens the stream and keeps it open until `close()`.
 * - `onEvent({ id, type, data })` for every event, `data` parsed from JSON;
 * - `onState('live' | 'reconnecting')` as the connection comes and goes;
 * - `onUnauthorized()` once when the token is refused (the stream stops);
 * - `onGiveUp()` once after repeated failures (the stream stops).
 */
export function openEventStream({ url, token, lastEventId, onEvent, onState, onUnauthorized, onGiveUp }) {
  const link = { closed: false, abort: null, lastEventId, retryMs: 3000, failures: 0 };
  const handlers = { onEvent, onState, onUnauthorized, onGiveUp };
  keepOpen(link, url, token, handlers);
  return {
    close() {
      link.closed = true;
      if (link.abort) link.abort.abort();
    },
  };
}

async function keepOpen(link, url, token, handlers) {
  while (!link.closed) {
    const outcome = await connectOnce(link, url, token, handlers);
    if (link.closed) return;
    if (outcome.unauthorized) return handlers.onUnauthorized();
    if (outcome.failed) link.failures += 1;
    if (link.failures >= FAILURES_BEFORE_GIVING_UP) return handlers.onGiveUp();
    handlers.onState('reconnecting');
    await sleep(outcome.delayMs ?? withJitter(link.retryMs));
  }
}

async function connectOnce(link, url, token, handlers) {
  const abort = new AbortController();
  link.abort = abort;
  const headers = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
  if (link.lastEventId != null) headers['Last-Event-ID'] = String(link.lastEventId);
  let response;
  try {
    response = await fetch(url, { headers, signal: abort.signal, cache: 'no-store' });
  } catch {
    return { failed: true };
  }
  if (response.status === 401 || response.status === 403) return { unauthorized: true };
  if (!response.ok || !response.body) return { failed: true, delayMs: retryAfterMs(response) };
  link.failures = 0;
  handlers.onState('live');
  try {
    await pump(response.body, link, handlers, abort);
    return {};
  } catch {
    return { failed: !link.closed };
  }
}

/** Reads the body until it ends, feeding the parser; aborts the fetch when the line goes silent. */
async function pump(body, link, handlers, abort) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = sseParser((frame) => deliver(frame, link, handlers));
  let watchdog = setTimeout(() => abort.abort(), SILENCE_LIMIT_MS);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(), SILENCE_LIMIT_MS);
      parser.push(value);
    }
  } finally {
    clearTimeout(watchdog);
  }
}

function deliver(frame, link, handlers) {
  if (frame.retry != null) link.retryMs = frame.retry;
  if (frame.id != null) link.lastEventId = frame.id;
  if (frame.data == null) return;
  let data;
  try {
    data = JSON.parse(frame.data);
  } catch {
    return; // not ours to interpret; the contract's events are one line of JSON
  }
  handlers.onEvent({ id: frame.id, type: frame.type || 'message', data });
}

/**
 * The text/event-stream format (HTML Living Standard, 9.2.6): fields per line, an empty line ends an
 * event, `:` starts a comment. Calls `emit({ retry })` at once for a `retry:` field and
 * `emit({ id, type, data })` for each complete event.
 */
export function sseParser(emit) {
  let buffer = '';
  let event = { id: null, type: '', data: [] };
  function endEvent() {
    if (event.data.length > 0 || event.id != null) {
      emit({ id: event.id, type: event.type, data: event.data.length ? event.data.join('\n') : null });
    }
    event = { id: null, type: '', data: [] };
  }
  function field(line) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') event.type = value;
    else if (name === 'data') event.data.push(value);
    else if (name === 'id' && !value.includes('\0')) event.id = value;
    else if (name === 'retry' && /^\d+$/.test(value)) emit({ retry: Number(value) });
  }
  return {
    push(text) {
      buffer += text;
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === '') endEvent();
        else if (!line.startsWith(':')) field(line);
      }
    },
  };
}

function retryAfterMs(response) {
  const seconds = Number(response.headers.get('Retry-After'));
  return seconds > 0 ? seconds * 1000 : undefined;
}

function withJitter(ms) {
  return ms * (0.8 + Math.random() * 0.4);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
