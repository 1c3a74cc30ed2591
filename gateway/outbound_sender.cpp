#include "gateway/outbound_sender.hpp"

#include <spdlog/spdlog.h>
#include <random>

#include "amqp/consumer_interface.hpp"
#include "amqp/publisher_interface.hpp"
#include "amqp/topology.hpp"
#include "crypto/webhook_signature.hpp"
#include "gateway/async_limits.hpp"
#include "gateway/async_publish.hpp"
#include "gateway/request_trace.hpp"
#include "gateway/session_token_cache.hpp"
#include "handlers/outbound_command.hpp"
#include "handlers/outbound_envelope.hpp"
#include "handlers/outbound_retry.hpp"
#include "http/http_client.hpp"
#include "tracing/span_scope.hpp"

#ifndef RAI_GATEWAY_VERSION
#define RAI_GATEWAY_VERSION "0.0.0"
#endif

namespace rai::gateway {

// What one delivery attempt came to.
struct attempt_result {
  handlers::send_outcome outcome = handlers::send_outcome::retry;
  unsigned status = 0;  // 0: no HTTP response
  std::string error;    // short, for x-last-error and logs; never a secret
  std::optional<std::chrono::seconds> retry_after;
};

struct outbound_target {
  outbound_target(net::io_context& ioc, const target_settings& s, parsed_url u,
                  std::optional<parsed_url> hs, outbound_kind_metrics& m)
      : current(std::make_shared<const target_settings>(s)),
        url(std::move(u)),
        handshake_url(std::move(hs)),
        slots(ioc.get_executor(), s.max_in_flight),
        rate(s.rate_limit),
        tokens(s.session_ttl, s.session_renew_before),
        metrics(m) {}

  // Swapped by a reload (credentials); each send works on one snapshot.
  std::atomic<std::shared_ptr<const target_settings>> current;
  parsed_url url;
  std::optional<parsed_url> handshake_url;
  async_semaphore slots;
  rate_limiter rate;
  session_token_cache tokens;
  outbound_kind_metrics& metrics;
};

namespace {

using handlers::dead_reason;
using handlers::send_outcome;

constexpr const char* user_agent = "rai-gateway/" RAI_GATEWAY_VERSION;

std::string_view header_of(const amqp::delivery& d, std::string_view name) {
  for (const auto& [k, v] : d.headers)
    if (k == name) return v;
  return {};
}

// A header present exactly once (a repeated traceparent is not one context).
std::optional<std::string_view> single_header(const amqp::delivery& d, std::string_view name) {
  std::optional<std::string_view> found;
  for (const auto& [k, v] : d.headers) {
    if (k != name) continue;
    if (found) return std::nullopt;
    found = v;
  }
  return found;
}

std::string trace_hex(const std::optional<tracing::trace_context>& t) {
  return t ? tracing::to_hex(t->trace) : std::string("-");
}

unsigned parse_attempt(std::string_view text) {
  unsigned n = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || n > 100000) return 0;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n;
}

std::uint64_t random_u64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// A short, printable excerpt of a response body for x-last-error.
std::string excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 160)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  return out;
}

attempt_result classify(const http_outcome& r) {
  attempt_result a;
  if (r.error) {
    a.outcome = send_outcome::retry;
    a.error = "transport: " + (r.error_detail.empty() ? r.error.message() : r.error_detail);
    return a;
  }
  a.status = r.status;
  a.outcome = handlers::classify_status(r.status);
  a.error = "http " + std::to_string(r.status);
  if (r.status >= 300 && r.status < 400 && !r.location.empty())
    a.error += " (redirect not followed)";
  if (a.outcome != send_outcome::delivered && !r.body.empty()) a.error += ": " + excerpt(r.body);
  if (r.retry_after)
    a.retry_after = handlers::parse_retry_after(*r.retry_after, std::chrono::system_clock::now());
  return a;
}

// A failed handshake fails the send: a refusal (bad workflow API key) is
// dead-lettered, anything transient is retried.
attempt_result handshake_failure(const handshake_result& h) {
  const bool refused = h.status != 0 && handlers::classify_status(h.status) == send_outcome::reject;
  return {refused ? send_outcome::reject : send_outcome::retry, h.status, h.error, {}};
}

std::size_t status_class(unsigned status) {
  return status >= 100 && status < 600 ? status / 100 : 0;
}

std::size_t reason_index(dead_reason r) {
  return static_cast<std::size_t>(r);
}

// The command re-published to its next home keeps its body, id and kind, and
// every header except the delivery-state ones, which are rewritten, and, once
// the command has a trace context, traceparent/tracestate, which carry it.
amqp::message next_home(const amqp::delivery& d, const std::string& kind, const std::string& id,
                        std::string queue_name,
                        const std::optional<tracing::trace_context>& trace) {
  amqp::message m;
  m.exchange = "";  // the default exchange: routing key = queue name
  m.routing_key = std::move(queue_name);
  m.body = d.body;
  m.message_id = id;
  m.type = kind;
  m.content_type = d.content_type.empty() ? "application/json" : d.content_type;
  m.timestamp = d.timestamp;
  for (const auto& [k, v] : d.headers)
    if (k != "x-attempt" && k != "x-last-status" && k != "x-last-error" && k != "x-dead-reason" &&
        (!trace || (k != "traceparent" && k != "tracestate")))
      m.headers.emplace_back(k, v);
  if (trace) {
    m.headers.emplace_back("traceparent", tracing::format_traceparent(*trace));
    if (!trace->tracestate.empty()) m.headers.emplace_back("tracestate", trace->tracestate);
  }
  return m;
}

}  // namespace

outbound_sender::outbound_sender(net::io_context& ioc, const gateway_config& config,
                                 amqp::message_publisher& publisher, http_client& client,
                                 tracing::span_sink* spans)
    : ioc_(ioc), publisher_(publisher), client_(client), spans_(spans), settings_(config.outbound) {
  if (!settings_.retry_schedule.empty()) schedule_.steps = settings_.retry_schedule;
  for (const auto& t : config.targets) {
    metrics_.add_kind(t.kind);
    auto url = parse_url(t.url);
    std::optional<parsed_url> hs;
    if (!t.handshake_url.empty()) hs = parse_url(t.handshake_url).value();
    targets_.emplace(t.kind, std::make_unique<outbound_target>(ioc, t, url.value(), std::move(hs),
                                                               metrics_.of(t.kind)));
  }
}

outbound_sender::~outbound_sender() = default;

void outbound_sender::attach(amqp::message_consumer& consumer) {
  consumer_ = &consumer;
}

void outbound_sender::reload_targets(const std::vector<target_settings>& targets) {
  for (const auto& fresh : targets) {
    auto it = targets_.find(fresh.kind);
    if (it == targets_.end()) continue;  // a new kind needs a restart (reload reports it)
    outbound_target& t = *it->second;
    const auto old = t.current.load();
    // What the running target was built from stays; only credentials and
    // per-request settings change.
    auto next = std::make_shared<target_settings>(fresh);
    next->url = old->url;
    next->handshake_url = old->handshake_url;
    next->auth = old->auth;
    next->max_in_flight = old->max_in_flight;
    next->rate_limit = old->rate_limit;
    next->session_ttl = old->session_ttl;
    next->session_renew_before = old->session_renew_before;
    const bool new_identity = next->api_key != old->api_key;
    t.current.store(std::move(next));
    if (new_identity) t.tokens.clear();  // a session of the old workflow key must not be reused
  }
}

bool outbound_sender::has_target(std::string_view kind) const {
  return targets_.find(kind) != targets_.end();
}

void outbound_sender::on_delivery(amqp::delivery&& d) {
  // Counted from here, not from when the coroutine first runs, so a stop
  // that finds no delivery in flight has none still queued to start.
  auto counted = deliveries_.try_enter();
  if (!counted) {
    consumer_->reject(d.generation, d.tag, /*requeue=*/true);  // stopping
    return;
  }
  net::co_spawn(net::make_strand(ioc_), deliver(std::move(d), std::move(*counted)), net::detached);
}

net::awaitable<handshake_result> outbound_sender::handshake(outbound_target& t) {
  http::request<http::string_body> req{http::verb::post, t.handshake_url->target, 11};
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, user_agent);
  const auto s = t.current.load();
  req.set("x-api-key", s->api_key);
  req.body() = "{}";
  const auto r = co_await client_.send(*t.handshake_url, std::move(req), s->timeout, s->ca_file);
  handshake_result out;
  out.status = r.status;
  if (r.error) {
    out.error =
        "handshake transport: " + (r.error_detail.empty() ? r.error.message() : r.error_detail);
  } else if (r.status < 200 || r.status >= 300) {
    out.error = "handshake http " + std::to_string(r.status);
  } else if (auto token = handlers::parse_handshake_response(r.body)) {
    out.token = std::move(token->token);
    if (token->ttl) out.ttl = *token->ttl;
  } else {
    out.error = "handshake response has no session token";
  }
  co_return out;
}

// One HTTP attempt: a client span of the command's trace, whose id goes out
// as the traceparent's parent-id.
net::awaitable<http_outcome> outbound_sender::timed_send(outbound_target& t,
                                                         http::request<http::string_body>& req,
                                                         command_trace& trace) {
  const tracing::span_scope span = tracing::start_span(trace.context, thread_trace_ids());
  // A command that came without a context: this first attempt started its
  // trace, and the later ones (and its parked retries) are its children.
  if (!trace.context) trace.context = tracing::trace_context{span.trace, span.id, span.flags, {}};
  req.set("traceparent", span.child_traceparent());
  if (span.tracestate.empty())
    req.erase("tracestate");
  else
    req.set("tracestate", span.tracestate);

  t.metrics.sent.inc();
  const auto span_start =
      spans_ ? std::chrono::system_clock::now() : std::chrono::system_clock::time_point{};
  const auto started = std::chrono::steady_clock::now();
  const auto s = t.current.load();
  auto r = co_await client_.send(t.url, req, s->timeout, s->ca_file);
  t.metrics.latency.observe(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started));
  t.metrics.responses[r.error ? 0 : status_class(r.status)].inc();

  if (spans_ && span.sampled()) {
    auto rec = tracing::make_span_record(span, "POST " + std::string(trace.kind),
                                         tracing::span_kind::client, span_start,
                                         std::chrono::system_clock::now());
    rec.error = r.error || r.status >= 400;
    rec.attributes.reserve(7);
    rec.attributes.emplace_back("http.request.method", "POST");
    rec.attributes.emplace_back("server.address", t.url.host);
    rec.attributes.emplace_back("url.path", t.url.target.substr(0, t.url.target.find('?')));
    if (r.error)
      rec.attributes.emplace_back("error.type", r.error.message());
    else
      rec.attributes.emplace_back("http.response.status_code", std::to_string(r.status));
    rec.attributes.emplace_back("rai.kind", trace.kind);
    rec.attributes.emplace_back("rai.command_id", trace.id);
    rec.attributes.emplace_back("rai.attempt", std::to_string(trace.attempt));
    spans_->submit(std::move(rec));
  }
  co_return r;
}

net::awaitable<attempt_result> outbound_sender::send_command(outbound_target& t,
                                                             const std::string& id,
                                                             const std::string& payload,
                                                             command_trace& trace) {
  const auto snapshot = t.current.load();
  const target_settings& s = *snapshot;
  http::request<http::string_body> req{http::verb::post, t.url.target, 11};
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, user_agent);
  req.set("Idempotency-Key", id);
  if (s.key) {
    auto sealed = handlers::seal_envelope(
        {.mode = s.mode, .layout = s.layout, .encoding = s.encoding}, *s.key, payload);
    if (!sealed) co_return attempt_result{send_outcome::retry, 0, "encryption failed", {}};
    req.body() = std::move(sealed->body);
    if (sealed->iv_header_value) req.set(s.iv_header, *sealed->iv_header_value);
    req.set("x-encrypted", "true");
  } else {
    req.body() = payload;
  }
  if (s.signing_secret) {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    req.set("webhook-id", id);
    req.set("webhook-timestamp", std::to_string(now));
    req.set("webhook-signature", crypto::webhook_sign(*s.signing_secret, id, now, req.body()));
  }

  if (s.auth == target_auth::api_key) {
    req.set("x-api-key", s.api_key);
    co_return classify(co_await timed_send(t, req, trace));
  }

  // Workflow auth: a session token instead of the API key, renewed once on 401.
  auto do_handshake = [this, &t]() { return handshake(t); };
  auto token = co_await t.tokens.get(do_handshake);
  if (token.token.empty()) co_return handshake_failure(token);
  req.set("x-session-token", token.token);
  auto r = co_await timed_send(t, req, trace);
  if (!r.error && r.status == 401) {
    token = co_await t.tokens.get(do_handshake, token.token);
    if (token.token.empty()) co_return handshake_failure(token);
    req.set("x-session-token", token.token);
    r = co_await timed_send(t, req, trace);
  }
  co_return classify(r);
}

net::awaitable<void> outbound_sender::settle(const amqp::delivery& d, amqp::message next,
                                             std::string_view what) {
  const auto status = co_await async_publish(publisher_, std::move(next), net::use_awaitable);
  if (status == amqp::publish_status::confirmed) {
    consumer_->ack(d.generation, d.tag);
    co_return;
  }
  // Its next home is not durable: leave the command where it was.
  spdlog::warn("outbound: could not park command {} in {} ({}); returned to the queue",
               d.message_id, what, amqp::to_string(status));
  consumer_->reject(d.generation, d.tag, /*requeue=*/true);
}

net::awaitable<void> outbound_sender::dead_letter(
    const amqp::delivery& d, const std::string& kind, const std::string& id, unsigned attempts,
    dead_reason reason, const attempt_result& last,
    const std::optional<tracing::trace_context>& trace) {
  auto m = next_home(d, kind, id, amqp::names::dead_queue, trace);
  m.headers.emplace_back("x-attempt", std::to_string(attempts));
  m.headers.emplace_back("x-last-status", std::to_string(last.status));
  m.headers.emplace_back("x-last-error", last.error);
  m.headers.emplace_back("x-dead-reason", std::string(handlers::to_string(reason)));
  metrics_.of(kind).dead[reason_index(reason)].inc();
  spdlog::warn("outbound: command {} kind={} dead-lettered ({}): {} trace_id={}", id, kind,
               handlers::to_string(reason), last.error, trace_hex(trace));
  co_await settle(d, std::move(m), amqp::names::dead_queue);
}

std::chrono::milliseconds outbound_sender::longest_send() const {
  std::chrono::milliseconds longest{0};
  for (const auto& [kind, t] : targets_) {
    const auto s = t->current.load();
    auto one = s->timeout + settings_.connect_timeout;
    if (t->handshake_url) one *= 2;
    longest = std::max(longest, one);
  }
  return longest;
}

// `counted` lives in the coroutine frame: the delivery counts as in flight
// until the frame is destroyed.
net::awaitable<void> outbound_sender::deliver(amqp::delivery d,
                                              [[maybe_unused]] work_gate::ticket counted) {
  std::string kind(header_of(d, "x-kind"));
  if (kind.empty()) kind = d.type;
  const unsigned previous_attempts = parse_attempt(header_of(d, "x-attempt"));
  // One Idempotency-Key per command, kept on every retry.
  std::string id = d.message_id.empty() ? handlers::new_idempotency_key() : d.message_id;
  command_trace trace{.context = tracing::read_trace_headers(single_header(d, "traceparent"),
                                                             single_header(d, "tracestate")),
                      .kind = kind,
                      .id = id,
                      .attempt = previous_attempts + 1};

  // The reasons below are named locals on purpose: GCC 12 destroys a braced
  // temporary bound to a reference parameter inside a co_await expression
  // twice (double free), so never write dead_letter(..., {...}).
  if (!handlers::valid_idempotency_key(id)) {
    const std::string fresh_id = handlers::new_idempotency_key();
    const attempt_result why{send_outcome::reject, 0, "message_id is not a usable id", {}};
    co_return co_await dead_letter(d, kind, fresh_id, previous_attempts, dead_reason::invalid, why,
                                   trace.context);
  }
  if (!handlers::is_json_object(d.body)) {
    const attempt_result why{send_outcome::reject, 0, "body is not a JSON object", {}};
    co_return co_await dead_letter(d, kind, id, previous_attempts, dead_reason::invalid, why,
                                   trace.context);
  }
  const auto it = targets_.find(kind);
  if (it == targets_.end()) {
    const attempt_result why{
        send_outcome::reject, 0, "no target configured for kind '" + excerpt(kind) + "'", {}};
    co_return co_await dead_letter(d, kind, id, previous_attempts, dead_reason::no_target, why,
                                   trace.context);
  }
  outbound_target& t = *it->second;

  co_await t.slots.acquire();
  async_semaphore::permit permit(t.slots);
  co_await t.rate.wait();
  t.metrics.in_flight.add();
  const attempt_result result = co_await send_command(t, id, d.body, trace);
  t.metrics.in_flight.sub();
  const unsigned attempts = previous_attempts + 1;

  switch (result.outcome) {
    case send_outcome::delivered:
      t.metrics.succeeded.inc();
      consumer_->ack(d.generation, d.tag);
      spdlog::info("outbound: command {} kind={} delivered (attempt {}, http {}) trace_id={}", id,
                   kind, attempts, result.status, trace_hex(trace.context));
      co_return;
    case send_outcome::reject:
      co_return co_await dead_letter(d, kind, id, attempts, dead_reason::rejected, result,
                                     trace.context);
    case send_outcome::retry:
      break;
  }
  // next_retry counts the retries already made: every send before this one.
  const auto decision = handlers::next_retry(schedule_, settings_.delay_ladder, previous_attempts,
                                             result.retry_after, random_u64());
  if (decision.exhausted)
    co_return co_await dead_letter(d, kind, id, attempts, dead_reason::exhausted, result,
                                   trace.context);

  auto m = next_home(d, kind, id, amqp::retry_queue_name(decision.delay), trace.context);
  m.headers.emplace_back("x-attempt", std::to_string(attempts));
  m.headers.emplace_back("x-last-status", std::to_string(result.status));
  m.headers.emplace_back("x-last-error", result.error);
  t.metrics.retried.inc();
  spdlog::info("outbound: command {} kind={} attempt {} failed ({}); retry in {} ms trace_id={}",
               id, kind, attempts, result.error, decision.delay.count(), trace_hex(trace.context));
  co_await settle(d, std::move(m), "a delay queue");
}

}  // namespace rai::gateway
