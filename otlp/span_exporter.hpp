#pragma once

// A tracing::span_sink that sends finished spans to an OpenTelemetry
// collector (OTLP/HTTP, JSON) from a thread of its own. submit() only takes a
// mutex to append to a bounded queue: a full queue drops the span and counts
// it, so a slow or absent collector never slows the request path. The export
// thread sends a batch when max_batch spans are waiting or every interval,
// one POST at a time with a timeout; a batch that fails (transport error,
// timeout, non-2xx) is dropped and counted, never retried.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/system/result.hpp>

#include "http/http_client.hpp"
#include "tracing/span.hpp"

namespace rai::otlp {

struct exporter_settings {
  std::string endpoint;  // the full URL the batches are POSTed to, e.g. http://c:4318/v1/traces
  std::size_t max_queued = 2048;             // spans waiting for export; more are dropped
  std::size_t max_batch = 512;               // spans per POST
  std::chrono::milliseconds interval{1000};  // a partial batch waits at most this long
  std::chrono::milliseconds timeout{2000};   // per POST (connect has its own, the same)
  std::string service_name = "rai-gateway";  // resource attribute service.name
};

struct exporter_stats {
  std::uint64_t exported = 0;               // spans in batches the collector answered 2xx
  std::uint64_t dropped_queue_full = 0;     // submitted while max_queued were waiting
  std::uint64_t dropped_export_failed = 0;  // in batches that failed, or left at stop
};

class span_exporter final : public tracing::span_sink {
 public:
  // Starts the export thread. Fails (http_client_errc::bad_url) when the
  // endpoint is not an http:// or https:// URL.
  static boost::system::result<std::unique_ptr<span_exporter>> start(exporter_settings settings);

  ~span_exporter() override;  // stop(0 ms) if not stopped
  span_exporter(const span_exporter&) = delete;
  span_exporter& operator=(const span_exporter&) = delete;

  void submit(tracing::span_record span) noexcept override;

  // Sends what is queued, in batches, until `deadline` from now; spans still
  // waiting then are counted as export_failed. Then joins the thread. Spans
  // submitted afterwards are dropped as queue_full. Idempotent.
  void stop(std::chrono::milliseconds deadline);

  exporter_stats stats() const noexcept;

 private:
  struct state;
  explicit span_exporter(std::unique_ptr<state> s);
  std::unique_ptr<state> state_;
};

}  // namespace rai::otlp
