#include "gateway/webhook_service.hpp"

#include <array>

#include "gateway/async_publish.hpp"
#include "gateway/inbound_request.hpp"
#include "gateway/logging.hpp"
#include "gateway/request_trace.hpp"
#include "gateway/responses.hpp"
#include "handlers/events.hpp"
#include "handlers/inbound.hpp"
#include "handlers/rfc3339.hpp"
#include "handlers/route.hpp"

namespace rai::gateway {
namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// The broker failed or did not answer in time: the spool takes the event. Not
// when the publisher is merely overloaded: backpressure is a quick 503, and a
// returned event (no route) would be returned again when forwarded.
bool spools_after(amqp::publish_status s) {
  using enum amqp::publish_status;
  return s == unavailable || s == connection_lost || s == timed_out || s == nacked;
}

}  // namespace

webhook_service::webhook_service(const gateway_config& config, amqp::message_publisher& publisher,
                                 spool::spool* spool, inbound_metrics& metrics,
                                 redis_dedupe_store* shared_window, tracing::span_sink* spans)
    : dedupe_(config.dedupe.window, config.dedupe.max_entries, shared_window),
      publisher_(publisher),
      spool_(spool),
      metrics_(metrics),
      spans_(spans),
      exchange_(config.amqp.events_exchange),
      retry_after_(config.server.retry_after) {
  sources_.store(make_table(config.sources));
}

std::shared_ptr<const webhook_service::source_table> webhook_service::make_table(
    const std::vector<handlers::source_settings>& sources) {
  auto table = std::make_shared<source_table>();
  for (const auto& s : sources) table->emplace(s.name, source_entry{s, &metrics_.of(s.name)});
  return table;
}

void webhook_service::reload_sources(const std::vector<handlers::source_settings>& sources) {
  sources_.store(make_table(sources));
}

// One request, from its header to its response: the access line and the
// counters, whichever phase answers it.
class webhook_service::call {
  // First: the public members below are initialized from these.
  webhook_service& service_;
  const unsigned version_;
  const std::string_view target_;
  bool finished_ = false;

 public:
  call(webhook_service& service, const http::request_header<>& req)
      : service_(service),
        version_(req.version()),
        target_(req.target().data(), req.target().size()),
        span(server_span_for(req)),
        trace_hex_(tracing::hex_chars(span.trace)) {
    record.method = std::string_view(req.method_string().data(), req.method_string().size());
    record.path = path_of(target_);
    record.trace_id = std::string_view(trace_hex_.data(), trace_hex_.size());
    if (service_.spans_) span_start_ = std::chrono::system_clock::now();
    service_.metrics_.in_flight.add();
  }
  call(const call&) = delete;
  call& operator=(const call&) = delete;
  ~call() {
    if (!finished_) service_.metrics_.in_flight.sub();
  }

  struct routed {
    const source_entry* source;
    std::optional<std::string_view> event;  // the {event} segment
  };

  // What the request line decides: the route, the source, and the method.
  handlers::result<routed> route(const source_table& sources, http::verb method) {
    auto r = handlers::parse_webhook_route(target_);
    if (!r) return r.error();
    auto it = sources.find(r->source);
    if (it == sources.end()) return make_error_code(handlers::inbound_errc::unknown_source);
    counters = it->second.metrics;
    record.source = it->second.settings.name;
    if (r->event)
      if (auto kind = handlers::event_from_path(*r->event))
        event_label = static_cast<std::size_t>(*kind);
    if (method != http::verb::post)
      return make_error_code(handlers::inbound_errc::method_not_allowed);
    return routed{&it->second, r->event};
  }

  http_response finish(http_response res) {
    const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    record.status = res.result_int();
    record.latency_us = static_cast<std::uint64_t>(latency.count());
    log_access(record);
    counters->requests[event_label][inbound_source_metrics::status_index(record.status)].inc();
    counters->latency.observe(latency);
    service_.metrics_.in_flight.sub();
    finished_ = true;
    if (service_.spans_ && span.sampled()) submit_span();
    return res;
  }

  http_response reject(const boost::system::error_code& ec) {
    record.error = handlers::reason(ec);
    if (handlers::http_status(ec) == 401) {
      const auto first = static_cast<int>(handlers::inbound_errc::missing_api_key);
      const auto i = static_cast<std::size_t>(ec.value() - first);
      if (i < inbound_source_metrics::auth_reasons) counters->auth_failures[i].inc();
    }
    auto res = error_response(version_, static_cast<http::status>(handlers::http_status(ec)),
                              handlers::public_message(ec));
    if (ec == handlers::inbound_errc::method_not_allowed) res.set(http::field::allow, "POST");
    return finish(std::move(res));
  }

  // This request's server span: its traceparent goes on the published message.
  const tracing::span_scope span;

 private:
  const std::array<char, 32> trace_hex_;  // record.trace_id views it
  std::chrono::system_clock::time_point span_start_;

  void submit_span() {
    std::string name(record.method);
    if (!record.source.empty()) name += " /webhooks/{source}";
    auto s = tracing::make_span_record(span, std::move(name), tracing::span_kind::server,
                                       span_start_, std::chrono::system_clock::now());
    s.error = record.status >= 500;
    s.attributes.reserve(7);
    s.attributes.emplace_back("http.request.method", record.method);
    s.attributes.emplace_back("url.path", record.path);
    s.attributes.emplace_back("http.response.status_code", std::to_string(record.status));
    if (!record.source.empty()) s.attributes.emplace_back("rai.source", record.source);
    if (!record.event.empty()) s.attributes.emplace_back("rai.event", record.event);
    if (!record.id.empty()) s.attributes.emplace_back("rai.event_id", record.id);
    if (!record.error.empty()) s.attributes.emplace_back("error.type", record.error);
    service_.spans_->submit(std::move(s));
  }

 public:
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  access_record record;
  inbound_source_metrics* counters = &service_.metrics_.unknown();
  std::size_t event_label = inbound_source_metrics::event_labels - 1;  // "unknown"
};

std::optional<http_response> webhook_service::check_header(const http::request_header<>& req) {
  call c(*this, req);
  const std::shared_ptr<const source_table> sources = sources_.load();
  auto routed = c.route(*sources, req.method());
  if (!routed) return c.reject(routed.error());
  if (routed->event && !handlers::event_from_path(*routed->event))
    return c.reject(handlers::inbound_errc::unknown_event);
  const handlers::source_settings& source = routed->source->settings;
  const handlers::inbound_request in =
      inbound_request_from(req, {}, source, std::chrono::system_clock::now());
  if (auto r = handlers::check_inbound_headers(source, in); !r) return c.reject(r.error());
  return std::nullopt;  // handle() logs and counts the request once it is answered
}

net::awaitable<http_response> webhook_service::handle(const http_request& req) {
  const auto received = std::chrono::system_clock::now();
  call c(*this, req);
  // The table this request started with, even if a reload swaps it meanwhile.
  const std::shared_ptr<const source_table> sources = sources_.load();
  auto routed = c.route(*sources, req.method());
  if (!routed) co_return c.reject(routed.error());
  const handlers::source_settings& source = routed->source->settings;
  const auto started = c.started;
  access_record& record = c.record;
  inbound_source_metrics* const counters = c.counters;
  auto finish = [&](http_response res) { return c.finish(std::move(res)); };
  auto reject = [&](const boost::system::error_code& ec) { return c.reject(ec); };

  const handlers::inbound_request in = inbound_request_from(req, req.body(), source, received);
  auto event = handlers::process_inbound(source, routed->event, in);
  if (!event) co_return reject(event.error());
  const std::string_view event_name = handlers::event_name(event->event);
  record.event = event_name;
  record.id = event->id;
  c.event_label = static_cast<std::size_t>(event->event);

  // This replica's window first; the shared one (Redis) only for an id new here.
  shared_dedupe::ticket dedupe_ticket;
  auto claimed = dedupe_.begin_local(dedupe_ticket, source.name, event->id, started);
  if (claimed == shared_dedupe::claim::fresh && dedupe_.has_store())
    claimed = co_await dedupe_.begin_shared(dedupe_ticket, source.name, event->id, started);
  switch (claimed) {
    case shared_dedupe::claim::duplicate:
      record.duplicate = true;
      counters->duplicates.inc();
      co_return finish(accepted_response(req.version(), event->id, event_name, true));
    case shared_dedupe::claim::in_flight:
      // The same id is being published by another request right now, here or
      // at another replica; its outcome decides. The sender's retry will see
      // duplicate or publish anew.
      record.error = "in_flight";
      co_return finish(
          unavailable_response(req.version(), "the same event is being accepted", retry_after_));
    case shared_dedupe::claim::fresh:
      break;
  }

  // The W3C headers go last: traceparent names this request's span as the
  // parent of the worker that consumes the message.
  const auto message_headers = [&] {
    std::vector<std::pair<std::string, std::string>> h{
        {"x-source", source.name},
        {"x-received-at", handlers::rfc3339_utc(received)},
        {"x-auth", event->auth},
        {"traceparent", c.span.child_traceparent()}};
    if (!c.span.tracestate.empty()) h.emplace_back("tracestate", c.span.tracestate);
    return h;
  };
  const auto make_message = [&](std::string body) {
    return amqp::message{
        .exchange = exchange_,
        .routing_key = "returning." + source.name + "." + std::string(event_name),
        .body = std::move(body),
        .message_id = event->id,
        .type = std::string(event_name),
        .timestamp =
            std::chrono::duration_cast<std::chrono::seconds>(received.time_since_epoch()).count(),
        .headers = message_headers(),
    };
  };
  // With a spool the plaintext is kept (one body copy) in case the broker fails.
  // A named local, not a temporary inside co_await: g++ 12 may destroy such a
  // temporary twice.
  amqp::message to_publish = make_message(spool_ ? event->plaintext : std::move(event->plaintext));
  const auto status = co_await async_publish(publisher_, std::move(to_publish), net::use_awaitable);
  if (status != amqp::publish_status::confirmed) {
    record.error = amqp::to_string(status);
    bool durable = false;
    if (spool_ && spools_after(status)) {
      const amqp::message for_spool = make_message(std::move(event->plaintext));
      const auto spooled = co_await async_spool(*spool_, for_spool, net::use_awaitable);
      durable = spooled == spool::spool_status::durable;
      record.spooled = durable;
      if (!durable) record.error = spool::to_string(spooled);
    }
    if (!durable) {
      dedupe_.release(dedupe_ticket);
      co_return finish(
          unavailable_response(req.version(), "event could not be made durable", retry_after_));
    }
  }
  dedupe_.commit(dedupe_ticket, std::chrono::steady_clock::now());
  co_return finish(accepted_response(req.version(), event->id, event_name, false));
}

}  // namespace rai::gateway
