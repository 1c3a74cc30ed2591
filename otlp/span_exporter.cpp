#include "otlp/span_exporter.hpp"

#include <pthread.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <utility>

#include "otlp/otlp_json.hpp"

namespace rai::otlp {

using gateway::http_client;
using gateway::http_outcome;
using gateway::http_request;
using gateway::use_nothrow;
namespace net = boost::asio;
namespace http = boost::beast::http;
using steady = std::chrono::steady_clock;

struct span_exporter::state {
  state(exporter_settings s, gateway::parsed_url u)
      : settings(std::move(s)),
        url(std::move(u)),
        client(ioc, {.connect_timeout = settings.timeout, .max_idle_per_host = 1}) {}

  exporter_settings settings;
  gateway::parsed_url url;
  net::io_context ioc{1};
  http_client client;  // destroyed before ioc (declared after it)
  net::steady_timer wake{ioc};
  std::thread thread;

  std::mutex mutex;  // guards queue, stopping, deadline; never held across a send
  std::vector<tracing::span_record> queue;
  bool stopping = false;
  bool wake_posted = false;
  steady::time_point deadline{};

  std::atomic<std::uint64_t> exported{0};
  std::atomic<std::uint64_t> dropped_queue_full{0};
  std::atomic<std::uint64_t> dropped_export_failed{0};
  std::atomic<bool> joined{false};

  // Takes up to max_batch spans (the oldest first).
  std::vector<tracing::span_record> take_batch() {
    std::lock_guard lock(mutex);
    std::vector<tracing::span_record> batch;
    if (queue.size() <= settings.max_batch) {
      batch.swap(queue);
    } else {
      const auto n = static_cast<std::ptrdiff_t>(settings.max_batch);
      batch.assign(std::make_move_iterator(queue.begin()),
                   std::make_move_iterator(queue.begin() + n));
      queue.erase(queue.begin(), queue.begin() + n);
    }
    return batch;
  }

  net::awaitable<void> export_batch(std::vector<tracing::span_record> batch,
                                    std::chrono::milliseconds timeout) {
    http_request request{http::verb::post, url.target, 11};
    request.set(http::field::content_type, "application/json");
    request.body() = encode_traces(batch, settings.service_name);
    http_outcome out = co_await client.send(url, std::move(request), timeout);
    if (!out.error && out.status >= 200 && out.status < 300)
      exported.fetch_add(batch.size(), std::memory_order_relaxed);
    else
      dropped_export_failed.fetch_add(batch.size(), std::memory_order_relaxed);
  }

  net::awaitable<void> run() {
    for (;;) {
      std::optional<steady::time_point> stop_at;
      std::size_t waiting = 0;
      {
        std::lock_guard lock(mutex);
        if (stopping) stop_at = deadline;
        waiting = queue.size();
        wake_posted = false;
      }
      if (stop_at) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(*stop_at - steady::now());
        if (waiting == 0 || left <= std::chrono::milliseconds(0)) break;
        co_await export_batch(take_batch(), std::min(settings.timeout, left));
        continue;
      }
      if (waiting < settings.max_batch) {
        wake.expires_after(settings.interval);
        co_await wake.async_wait(use_nothrow);  // cancelled: a full batch, or stop
      }
      std::size_t now_waiting = 0;
      {
        std::lock_guard lock(mutex);
        if (stopping) continue;  // the stop branch above sends with the deadline's timeout
        now_waiting = queue.size();
      }
      if (now_waiting) co_await export_batch(take_batch(), settings.timeout);
    }
    std::lock_guard lock(mutex);
    dropped_export_failed.fetch_add(queue.size(), std::memory_order_relaxed);
    queue.clear();
  }

  // Called with the mutex held; posts at most one wake-up at a time.
  void wake_locked() {
    if (wake_posted) return;
    wake_posted = true;
    net::post(ioc, [this] { wake.cancel(); });
  }
};

boost::system::result<std::unique_ptr<span_exporter>> span_exporter::start(
    exporter_settings settings) {
  auto url = gateway::parse_url(settings.endpoint);
  if (!url) return url.error();
  settings.max_batch = std::max<std::size_t>(1, settings.max_batch);
  auto s = std::make_unique<state>(std::move(settings), std::move(*url));
  s->queue.reserve(std::min(s->settings.max_queued, s->settings.max_batch));
  state& st = *s;
  net::co_spawn(st.ioc, st.run(), net::detached);
  st.thread = std::thread([&st] {
    pthread_setname_np(pthread_self(), "rai-otlp");
    st.ioc.run();
  });
  return std::unique_ptr<span_exporter>(new span_exporter(std::move(s)));
}

span_exporter::span_exporter(std::unique_ptr<state> s) : state_(std::move(s)) {}

span_exporter::~span_exporter() {
  stop(std::chrono::milliseconds(0));
}

void span_exporter::submit(tracing::span_record span) noexcept {
  state& s = *state_;
  std::lock_guard lock(s.mutex);
  if (s.stopping || s.queue.size() >= s.settings.max_queued) {
    s.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  try {
    s.queue.push_back(std::move(span));
  } catch (...) {  // out of memory: a span is not worth failing a request for
    s.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (s.queue.size() >= s.settings.max_batch) s.wake_locked();
}

void span_exporter::stop(std::chrono::milliseconds deadline) {
  state& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    if (!s.stopping) {
      s.stopping = true;
      s.deadline = steady::now() + deadline;
      s.wake_posted = false;
      s.wake_locked();
    }
  }
  // The export loop ends by itself by the deadline (its last POST's timeout
  // is what is left), and then run() returns: nothing else holds the context.
  if (!s.joined.exchange(true) && s.thread.joinable()) s.thread.join();
}

exporter_stats span_exporter::stats() const noexcept {
  const state& s = *state_;
  return {.exported = s.exported.load(std::memory_order_relaxed),
          .dropped_queue_full = s.dropped_queue_full.load(std::memory_order_relaxed),
          .dropped_export_failed = s.dropped_export_failed.load(std::memory_order_relaxed)};
}

}  // namespace rai::otlp
