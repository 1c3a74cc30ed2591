#include "gateway/metrics_page.hpp"

#include <iterator>
#include <optional>
#include <tuple>

#include "amqp/consumer_interface.hpp"
#include "amqp/publisher_interface.hpp"
#include "gateway/listener.hpp"
#include "gateway/prometheus_text.hpp"
#include "handlers/errc.hpp"
#include "handlers/events.hpp"
#include "handlers/outbound_command.hpp"
#include "otlp/span_exporter.hpp"
#include "spool/spool.hpp"

namespace rai::gateway {
namespace {

using u64 = std::uint64_t;

std::string_view event_label(std::size_t i) {
  if (i + 1 >= inbound_source_metrics::event_labels) return "unknown";
  return handlers::event_name(static_cast<handlers::event_kind>(i));
}

std::string status_label(std::size_t i) {
  const auto& s = inbound_source_metrics::statuses;
  return i < s.size() ? std::to_string(s[i]) : "other";
}

std::string_view auth_reason_label(std::size_t i) {
  const auto first = static_cast<int>(handlers::inbound_errc::missing_api_key);
  return handlers::reason(
      handlers::make_error_code(static_cast<handlers::inbound_errc>(first + static_cast<int>(i))));
}

constexpr std::string_view status_class_labels[] = {"error", "1xx", "2xx", "3xx", "4xx", "5xx"};
static_assert(std::size(status_class_labels) ==
                  std::tuple_size_v<decltype(outbound_kind_metrics::responses)>,
              "a label for every outbound response class");
// auth_failures is indexed by inbound_errc from missing_api_key on, through
// the last 401 cause.
static_assert(static_cast<std::size_t>(handlers::inbound_errc::decrypt_failed) -
                      static_cast<std::size_t>(handlers::inbound_errc::missing_api_key) + 1 ==
                  inbound_source_metrics::auth_reasons,
              "an auth_failures counter for every 401 inbound_errc");

void render_process(prometheus_text& out, const process_metrics& p) {
  out.family("rai_gateway_build_info", "gauge", "Build information; always 1.");
  out.sample("rai_gateway_build_info", {{"version", p.version}}, u64{1});
  out.family("rai_gateway_start_time_seconds", "gauge", "Start time of the process, unix seconds.");
  out.sample("rai_gateway_start_time_seconds", {}, p.start_time_seconds);
  out.family("rai_gateway_config_reloads_total", "counter",
             "Configuration reloads (SIGHUP) by result.");
  out.sample("rai_gateway_config_reloads_total", {{"result", "success"}},
             p.reloads_succeeded.value());
  out.sample("rai_gateway_config_reloads_total", {{"result", "failure"}}, p.reloads_failed.value());
}

void render_inbound(prometheus_text& out, const inbound_metrics& in) {
  out.family("rai_gateway_inbound_requests_total", "counter",
             "Webhook requests answered, by source, event and HTTP status.");
  in.for_each([&](std::string_view source, const inbound_source_metrics& m) {
    for (std::size_t e = 0; e < m.requests.size(); ++e)
      for (std::size_t s = 0; s < m.requests[e].size(); ++s)
        // Zeros only for the series dashboards divide by: known events, 200.
        if (const u64 v = m.requests[e][s].value();
            v || (s == 0 && e + 1 < inbound_source_metrics::event_labels && source != "-"))
          out.sample("rai_gateway_inbound_requests_total",
                     {{"source", source}, {"event", event_label(e)}, {"status", status_label(s)}},
                     v);
  });
  out.family("rai_gateway_inbound_auth_failures_total", "counter",
             "Webhook requests refused with 401, by source and reason.");
  in.for_each([&](std::string_view source, const inbound_source_metrics& m) {
    for (std::size_t r = 0; r < m.auth_failures.size(); ++r)
      out.sample("rai_gateway_inbound_auth_failures_total",
                 {{"source", source}, {"reason", auth_reason_label(r)}},
                 m.auth_failures[r].value());
  });
  out.family("rai_gateway_inbound_duplicates_total", "counter",
             "Events answered 200 as duplicates of an event already accepted.");
  in.for_each([&](std::string_view source, const inbound_source_metrics& m) {
    out.sample("rai_gateway_inbound_duplicates_total", {{"source", source}}, m.duplicates.value());
  });
  out.family("rai_gateway_inbound_request_duration_seconds", "histogram",
             "Webhook request latency from complete request to response, by source.");
  in.for_each([&](std::string_view source, const inbound_source_metrics& m) {
    out.histogram("rai_gateway_inbound_request_duration_seconds", {{"source", source}}, m.latency);
  });
  out.family("rai_gateway_inbound_in_flight", "gauge", "Webhook requests being handled.");
  out.sample("rai_gateway_inbound_in_flight", {}, in.in_flight.value());
}

void render_connections(prometheus_text& out, const metrics_sources& from) {
  out.family("rai_gateway_http_connections", "gauge", "Open HTTP connections by listener.");
  if (from.webhook_listener)
    out.sample("rai_gateway_http_connections", {{"listener", "webhook"}},
               u64{from.webhook_listener->active_connections()});
  if (from.admin_listener)
    out.sample("rai_gateway_http_connections", {{"listener", "admin"}},
               u64{from.admin_listener->active_connections()});
  if (from.metrics_listener)
    out.sample("rai_gateway_http_connections", {{"listener", "metrics"}},
               u64{from.metrics_listener->active_connections()});
}

void render_broker(prometheus_text& out, const metrics_sources& from) {
  if (!from.publisher) return;
  const auto stats = from.publisher->stats();
  out.family("rai_gateway_publish_total", "counter",
             "Publishes to RabbitMQ by result (confirmed = durable in the broker).");
  for (std::size_t i = 0; i < stats.results.size(); ++i)
    out.sample("rai_gateway_publish_total",
               {{"result", amqp::to_string(static_cast<amqp::publish_status>(i))}},
               stats.results[i]);
  out.family("rai_gateway_publish_in_flight", "gauge", "Publishes waiting for a broker confirm.");
  out.sample("rai_gateway_publish_in_flight", {}, stats.in_flight);

  out.family("rai_gateway_broker_connected", "gauge",
             "1 when the AMQP connection is up (publisher: with confirms; consumer: consuming).");
  out.sample("rai_gateway_broker_connected", {{"connection", "publisher"}},
             u64{from.publisher->connected()});
  if (from.consumer)
    out.sample("rai_gateway_broker_connected", {{"connection", "consumer"}},
               u64{from.consumer->connected()});
  out.family("rai_gateway_broker_reconnects_total", "counter",
             "AMQP connections lost and made again.");
  out.sample("rai_gateway_broker_reconnects_total", {{"connection", "publisher"}},
             stats.reconnects);
  const std::optional<amqp::consumer_stats> consumer =
      from.consumer ? std::optional(from.consumer->stats()) : std::nullopt;
  if (consumer)
    out.sample("rai_gateway_broker_reconnects_total", {{"connection", "consumer"}},
               consumer->reconnects);

  // Which node of amqp.urls each connection is on: a series while it is up.
  out.family("rai_gateway_broker_node_info", "gauge",
             "1 per AMQP connection that is up, labelled with its node of amqp.urls (host:port).");
  if (!stats.node.empty())
    out.sample("rai_gateway_broker_node_info", {{"role", "publisher"}, {"node", stats.node}},
               u64{1});
  if (consumer && !consumer->node.empty())
    out.sample("rai_gateway_broker_node_info", {{"role", "consumer"}, {"node", consumer->node}},
               u64{1});
  out.family("rai_gateway_broker_failovers_total", "counter",
             "AMQP connections that came up on another node of amqp.urls than the previous one.");
  out.sample("rai_gateway_broker_failovers_total", {{"role", "publisher"}}, stats.failovers);
  if (consumer)
    out.sample("rai_gateway_broker_failovers_total", {{"role", "consumer"}}, consumer->failovers);
}

void render_spool(prometheus_text& out, const spool::spool& spool) {
  const auto s = spool.stats();
  out.family("rai_gateway_spool_bytes", "gauge",
             "Bytes in the local spool: records on disk plus appends being written.");
  out.sample("rai_gateway_spool_bytes", {}, s.bytes_on_disk + s.bytes_queued);
  out.family("rai_gateway_spool_max_bytes", "gauge", "The spool's cap (spool.max_bytes).");
  out.sample("rai_gateway_spool_max_bytes", {}, s.max_bytes);
  out.family("rai_gateway_spool_records", "gauge",
             "Events in the spool not yet confirmed by the broker.");
  out.sample("rai_gateway_spool_records", {}, s.records_pending);
  out.family("rai_gateway_spool_full", "gauge", "1 when the spool refused an event at its cap.");
  out.sample("rai_gateway_spool_full", {}, std::uint64_t{s.full});
  out.family("rai_gateway_spool_appends_total", "counter",
             "Events offered to the spool, by result (durable = synced to disk).");
  for (std::size_t i = 0; i < s.results.size(); ++i)
    out.sample("rai_gateway_spool_appends_total",
               {{"result", spool::to_string(static_cast<spool::spool_status>(i))}}, s.results[i]);
  out.family("rai_gateway_spool_forwarded_total", "counter",
             "Spooled events published to RabbitMQ and confirmed.");
  out.sample("rai_gateway_spool_forwarded_total", {}, s.forwarded);
  out.family("rai_gateway_spool_recovered_total", "counter",
             "Events found in the spool at startup, to forward.");
  out.sample("rai_gateway_spool_recovered_total", {}, s.recovered);
  out.family("rai_gateway_spool_corrupt_total", "counter",
             "Damaged spool spans skipped (CRC mismatch, bad header).");
  out.sample("rai_gateway_spool_corrupt_total", {}, s.corrupt_skipped);
  out.family("rai_gateway_spool_syncs_total", "counter",
             "fdatasync calls on spool segments (group commits).");
  out.sample("rai_gateway_spool_syncs_total", {}, s.syncs);
  out.family("rai_gateway_spool_io_errors_total", "counter",
             "Failed spool writes, syncs, segment creations and reads.");
  out.sample("rai_gateway_spool_io_errors_total", {}, s.io_errors);
}

// Both families are always declared (dashboards find them); store_up has a
// sample only when there is a store.
void render_dedupe_store(prometheus_text& out, const dedupe_store_metrics* store) {
  out.family("rai_gateway_dedupe_store_up", "gauge",
             "1 while the dedupe window shared by replicas (Redis) answers; 0 while this replica "
             "falls back to its own window. Only with dedupe.backend = \"redis\".");
  if (store) out.sample("rai_gateway_dedupe_store_up", {}, store->up.value());
  out.family("rai_gateway_dedupe_store_errors_total", "counter",
             "Redis commands (claim, commit, release) and connection attempts of the shared "
             "dedupe window that failed.");
  out.sample("rai_gateway_dedupe_store_errors_total", {}, store ? store->errors.value() : u64{0});
}

// Always declared (zeros without tracing.otlp_endpoint), like the dedupe store's.
void render_span_export(prometheus_text& out, const otlp::span_exporter* exporter) {
  const otlp::exporter_stats s = exporter ? exporter->stats() : otlp::exporter_stats{};
  out.family("rai_gateway_spans_exported_total", "counter",
             "Spans sent to the OTLP collector (tracing.otlp_endpoint) and answered 2xx.");
  out.sample("rai_gateway_spans_exported_total", {}, s.exported);
  out.family("rai_gateway_spans_dropped_total", "counter",
             "Spans not exported, by reason: queue_full (the export queue was full) or "
             "export_failed (the collector failed, timed out or was away; never retried).");
  out.sample("rai_gateway_spans_dropped_total", {{"reason", "queue_full"}}, s.dropped_queue_full);
  out.sample("rai_gateway_spans_dropped_total", {{"reason", "export_failed"}},
             s.dropped_export_failed);
}

void render_outbound(prometheus_text& out, const outbound_metrics& ob) {
  auto each = [&](auto&& f) {
    for (const auto& [kind, m] : ob.kinds()) f(std::string_view(kind), *m);
    f(std::string_view("-"), ob.unconfigured());
  };
  out.family("rai_gateway_outbound_sends_total", "counter",
             "Commands sent to Returning.AI by kind and response status class "
             "(error = no response).");
  each([&](std::string_view kind, const outbound_kind_metrics& m) {
    for (std::size_t c = 0; c < m.responses.size(); ++c)
      out.sample("rai_gateway_outbound_sends_total",
                 {{"kind", kind}, {"status_class", status_class_labels[c]}},
                 m.responses[c].value());
  });
  out.family("rai_gateway_outbound_retries_total", "counter",
             "Commands parked in a retry delay queue, by kind.");
  each([&](std::string_view kind, const outbound_kind_metrics& m) {
    out.sample("rai_gateway_outbound_retries_total", {{"kind", kind}}, m.retried.value());
  });
  out.family("rai_gateway_outbound_dead_letters_total", "counter",
             "Commands moved to returning.outbound.dead, by kind and reason.");
  each([&](std::string_view kind, const outbound_kind_metrics& m) {
    for (std::size_t r = 0; r < m.dead.size(); ++r)
      out.sample(
          "rai_gateway_outbound_dead_letters_total",
          {{"kind", kind}, {"reason", handlers::to_string(static_cast<handlers::dead_reason>(r))}},
          m.dead[r].value());
  });
  out.family("rai_gateway_outbound_request_duration_seconds", "histogram",
             "Latency of HTTP requests to Returning.AI, by kind.");
  each([&](std::string_view kind, const outbound_kind_metrics& m) {
    out.histogram("rai_gateway_outbound_request_duration_seconds", {{"kind", kind}}, m.latency);
  });
  out.family("rai_gateway_outbound_in_flight", "gauge", "Commands being delivered, by kind.");
  each([&](std::string_view kind, const outbound_kind_metrics& m) {
    out.sample("rai_gateway_outbound_in_flight", {{"kind", kind}}, m.in_flight.value());
  });
}

}  // namespace

std::string render_metrics(const metrics_sources& from) {
  prometheus_text out;
  if (from.process) render_process(out, *from.process);
  if (from.inbound) render_inbound(out, *from.inbound);
  render_connections(out, from);
  render_broker(out, from);
  if (from.spool) render_spool(out, *from.spool);
  render_dedupe_store(out, from.dedupe_store);
  render_span_export(out, from.span_exporter);
  if (from.outbound) render_outbound(out, *from.outbound);
  return out.take();
}

}  // namespace rai::gateway
