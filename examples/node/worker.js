#!/usr/bin/env node
// Example CRM worker: consumes the events rai-gateway publishes to RabbitMQ.
//
//   npm ci --prefix examples/node
//   AMQP_URL=amqp://guest:guest@127.0.0.1:5672/ \
//     node examples/node/worker.js --queue crm.events --pattern 'returning.#'
//
// Declares its own durable queue, binds it to the `returning.events` topic exchange
// with one or more routing patterns (`returning.{source}.{event}`; default
// `returning.#`), consumes with manual acks and a prefetch window, skips
// redeliveries it has already processed, and prints one JSON line per processed
// event on stdout. Diagnostics go to stderr.
'use strict';

const crypto = require('node:crypto');
const amqp = require('amqplib');

const EXCHANGE = 'returning.events';
const UNROUTED = 'returning.unrouted';

function parseArgs(argv) {
  const opts = {
    queue: process.env.WORKER_QUEUE || 'crm.returning-events',
    patterns: [],
    prefetch: Number(process.env.WORKER_PREFETCH || 32),
    passive: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--queue') opts.queue = value();
    else if (a === '--pattern') opts.patterns.push(value());
    else if (a === '--prefetch') opts.prefetch = Number(value());
    else if (a === '--passive') opts.passive = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: worker.js [--queue NAME] [--pattern P]... [--prefetch N] [--passive]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (opts.patterns.length === 0) {
    opts.patterns = (process.env.WORKER_PATTERN || 'returning.#').split(',');
  }
  if (!Number.isInteger(opts.prefetch) || opts.prefetch < 1) throw new Error('--prefetch must be a positive integer');
  return opts;
}

const log = (msg) => process.stderr.write(`${msg}\n`);

// Bounded in-memory LRU of processed (source, message_id) pairs. The gateway
// already dedupes by event id, but AMQP delivery is at-least-once: a message
// whose ack was lost is delivered again. This set only covers redeliveries while
// this process lives; in production, record the id in the CRM database in the
// same transaction as the change the event causes (unique (source, event_id)).
class SeenIds {
  constructor(capacity = 100000) {
    this.capacity = capacity;
    this.items = new Map();
  }
  has(key) {
    if (!this.items.has(key)) return false;
    this.items.delete(key); // refresh recency
    this.items.set(key, true);
    return true;
  }
  add(key) {
    this.items.delete(key);
    this.items.set(key, true);
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value);
  }
}

// Where the CRM work goes (create/update the contact, log the purchase, ...).
async function handleEvent(_source, _eventType, _payload) {}

function headerString(headers, name) {
  const v = headers?.[name];
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

// [trace id, parent span id] of the message's W3C traceparent header
// (docs/wire-format.md §8), or undefined when it has none or a malformed one.
// The parent is the gateway's span: a worker that records spans of its own
// (e.g. OpenTelemetry's W3CTraceContextPropagator extracting from the
// headers) makes its span a child of it, in the same trace.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
function traceOf(headers) {
  const m = TRACEPARENT.exec(headerString(headers, 'traceparent') || '');
  if (!m || m[1] === 'ff' || (m[1] === '00' && m[5] !== undefined)) return undefined;
  if (/^0+$/.test(m[2]) || /^0+$/.test(m[3])) return undefined;
  return [m[2], m[3]];
}

async function run(opts, seen, state) {
  const url = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672/';
  const conn = await amqp.connect(url);
  state.conn = conn;
  const closed = new Promise((resolve) => {
    conn.on('close', resolve);
    conn.on('error', (err) => log(`connection error: ${err.message}`));
  });
  const ch = await conn.createChannel();
  ch.on('error', (err) => log(`channel error: ${err.message}`));
  if (opts.passive) {
    await ch.checkExchange(EXCHANGE);
  } else {
    // Exactly the shared topology (docs/wire-format.md §6); other arguments → 406.
    await ch.assertExchange(UNROUTED, 'fanout', { durable: true });
    await ch.assertExchange(EXCHANGE, 'topic', { durable: true, alternateExchange: UNROUTED });
  }
  await ch.assertQueue(opts.queue, { durable: true });
  for (const p of opts.patterns) await ch.bindQueue(opts.queue, EXCHANGE, p);
  await ch.prefetch(opts.prefetch);

  // Deliveries are handled one after another, in order: a redelivery can't race
  // the first copy past the `seen` check while that copy is still being handled.
  let chain = Promise.resolve();
  const handle = async (msg) => {
    const { properties: props, fields } = msg;
    let source = headerString(props.headers, 'x-source');
    if (!source) {
      const parts = fields.routingKey.split('.'); // returning.{source}.{event}
      source = parts.length > 2 ? parts[1] : '';
    }
    const messageId = props.messageId || crypto.createHash('sha256').update(msg.content).digest('hex');
    const key = `${source}\u0000${messageId}`;
    if (seen.has(key)) {
      log(`skip duplicate ${messageId} (${fields.routingKey})`);
      ch.ack(msg);
      return;
    }
    let payload;
    try {
      payload = JSON.parse(msg.content.toString('utf8'));
      if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
        throw new Error('not a JSON object');
      }
    } catch (err) {
      log(`reject ${messageId}: ${err.message}`);
      ch.nack(msg, false, false); // never requeue a poison message forever
      return;
    }
    const trace = traceOf(props.headers);
    try {
      await handleEvent(source, props.type, payload);
    } catch (err) {
      log(`handler failed for ${messageId}: ${err.message}; requeueing`);
      ch.nack(msg, false, true);
      return;
    }
    process.stdout.write(
      `${JSON.stringify({
        message_id: messageId,
        routing_key: fields.routingKey,
        type: props.type,
        source,
        redelivered: Boolean(fields.redelivered),
        trace_id: trace ? trace[0] : null,
      })}\n`,
    );
    seen.add(key);
    ch.ack(msg);
  };
  await ch.consume(
    opts.queue,
    (msg) => {
      if (msg === null) return; // consumer cancelled by the broker (queue deleted)
      chain = chain.then(() => handle(msg)).catch((err) => log(`delivery failed: ${err.message}`));
    },
    { noAck: false },
  );
  log(`ready queue=${opts.queue} patterns=${opts.patterns.join(',')}`);
  await closed;
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    log(err.message);
    process.exit(2);
  }
  const seen = new SeenIds();
  const state = { stopping: false, conn: null };
  const stop = () => {
    state.stopping = true;
    if (state.conn) state.conn.close().catch(() => {});
    else process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  let backoff = 500;
  while (!state.stopping) {
    try {
      await run(opts, seen, state);
      backoff = 500;
    } catch (err) {
      // 403/404/406 on a declaration will not fix itself: give up.
      if (err && [403, 404, 406].includes(err.code)) {
        log(`broker refused: ${err.message}`);
        process.exitCode = 1;
        if (state.conn) await state.conn.close().catch(() => {});
        break;
      }
      if (state.stopping) break;
      log(`connection lost (${err.message}); reconnecting in ${backoff / 1000} s`);
    }
    state.conn = null;
    if (state.stopping) break;
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 30000);
  }
  log('stopped');
}

main();
