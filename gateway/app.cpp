#include "gateway/app.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "amqp/consumer.hpp"
#include "amqp/publisher.hpp"
#include "config/config_warnings.hpp"
#include "gateway/admin_service.hpp"
#include "gateway/byte_budget.hpp"
#include "gateway/io_context_pool.hpp"
#include "gateway/listener.hpp"
#include "gateway/metrics_page.hpp"
#include "gateway/outbound_sender.hpp"
#include "gateway/redis_dedupe_store.hpp"
#include "gateway/reload.hpp"
#include "gateway/systemd_notify.hpp"
#include "gateway/tls_server_context.hpp"
#include "gateway/webhook_service.hpp"
#include "http/http_client.hpp"
#include "otlp/span_exporter.hpp"
#include "redis/url.hpp"
#include "spool/spool.hpp"
#include "tracing/span.hpp"

#ifndef RAI_GATEWAY_VERSION
#define RAI_GATEWAY_VERSION "0.0.0"
#endif

namespace rai::gateway {
namespace {

using clock = std::chrono::steady_clock;

session_limits limits_from(const server_settings& s) {
  return {.max_body_bytes = s.max_body_bytes,
          .max_header_bytes = s.max_header_bytes,
          .max_target_bytes = s.max_target_bytes,
          .first_byte_timeout = s.first_byte_timeout,
          .header_timeout = s.header_timeout,
          .body_timeout = s.body_timeout,
          .min_body_bytes_per_second = s.min_body_bytes_per_second,
          .body_rate_grace = s.body_rate_grace,
          .write_timeout = s.write_timeout,
          .idle_timeout = s.idle_timeout,
          .body_budget = nullptr,
          .retry_after = s.retry_after};
}

std::optional<amqp::consumer_settings> consumer_settings_from(const gateway_config& cfg,
                                                              const outbound_sender& sender) {
  if (!cfg.outbound.enabled) return std::nullopt;
  amqp::consumer_settings s;
  s.prefetch = static_cast<std::uint16_t>(cfg.outbound.prefetch);
  s.retry_rungs = sender.retry_rungs();
  s.drain_timeout = cfg.outbound.drain_timeout;
  return s;
}

// The accept loop holds the listener's address: it must never move once started.
std::unique_ptr<listener> open_listener(net::io_context& ioc, const char* what,
                                        const endpoint& where, std::size_t max_connections,
                                        session_limits limits, request_handler handler,
                                        std::shared_ptr<net::ssl::context> tls = nullptr,
                                        executor_source sessions = {}) {
  try {
    const bool secure = tls != nullptr;
    auto l = std::make_unique<listener>(ioc, where, max_connections, limits, std::move(handler),
                                        std::move(tls), std::move(sessions));
    l->start();
    spdlog::info("{} listener on {}:{}{}", what, where.host, l->port(), secure ? " (TLS)" : "");
    return l;
  } catch (const boost::system::system_error& e) {
    spdlog::critical("cannot listen on {}:{} ({}): {}", where.host, where.port, what,
                     e.code().message());
    return nullptr;
  }
}

std::unique_ptr<amqp::managed_publisher> make_publisher(const publisher_factory& factory,
                                                        const amqp::amqp_settings& settings) {
  if (factory) return factory(settings);
  return std::make_unique<amqp::publisher>(settings);
}

// dedupe.backend = "redis": the window replicas share. Null with "memory".
std::unique_ptr<redis_dedupe_store> make_dedupe_store(net::io_context& ioc,
                                                      const dedupe_settings& d,
                                                      dedupe_store_metrics& metrics) {
  if (d.backend != dedupe_backend::redis) return nullptr;
  auto where = redis::parse_url(d.redis_url);  // checked by the config already
  if (!where) throw std::invalid_argument("dedupe.redis_url: not a redis:// URL");
  return std::make_unique<redis_dedupe_store>(ioc.get_executor(),
                                              redis_dedupe_settings{.where = std::move(*where),
                                                                    .prefix = d.redis_prefix,
                                                                    .timeout = d.redis_timeout,
                                                                    .claim = d.redis_claim,
                                                                    .window = d.window},
                                              metrics);
}

// Where the gateway's spans go (docs/wire-format.md §8). Null without
// tracing.otlp_endpoint (then no span record is even built), or (logged;
// run() then refuses to start) when the endpoint is not a URL the HTTP
// client accepts.
std::unique_ptr<otlp::span_exporter> make_span_exporter(const tracing_settings& tracing) {
  if (tracing.otlp_endpoint.empty()) return nullptr;
  auto exporter = otlp::span_exporter::start({.endpoint = tracing.otlp_endpoint});
  if (!exporter) {
    spdlog::critical("tracing.otlp_endpoint: {}", exporter.error().message());
    return nullptr;
  }
  spdlog::info("tracing: exporting spans to {}", tracing.otlp_endpoint);
  return std::move(*exporter);
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct app::impl {
  impl(gateway_config cfg, std::string path, const publisher_factory& factory)
      : config(std::move(cfg)),
        config_path(std::move(path)),
        threads(config.server.threads ? config.server.threads
                                      : std::max(1u, std::thread::hardware_concurrency())),
        workers(threads),
        ioc(static_cast<int>(threads)),
        span_exporter(make_span_exporter(config.tracing)),
        owned_publisher(make_publisher(factory, config.amqp)),
        publisher(*owned_publisher),
        client(ioc, {.connect_timeout = config.outbound.connect_timeout}),
        sender(ioc, config, publisher, client, span_exporter.get()),
        spool(config.spool.enabled ? std::make_unique<spool::spool>(config.spool.settings)
                                   : nullptr),
        dedupe_store(make_dedupe_store(ioc, config.dedupe, dedupe_store_stats)),
        webhooks_service(config, publisher, spool.get(), inbound, dedupe_store.get(),
                         span_exporter.get()),
        admin(publisher,
              {.has_target = [this](std::string_view k) { return sender.has_target(k); },
               .failing_checks = [this] { return failing_checks(); },
               .metrics = [this] { return render_metrics(metrics_from); }},
              config.server.admin_token) {
    process.version = RAI_GATEWAY_VERSION;
    process.start_time_seconds = unix_now();
  }

  int run();
  std::vector<std::string_view> failing_checks() const;
  void reload();
  net::awaitable<void> handle_signals();
  void announce_ready();
  net::awaitable<void> pet_watchdog(std::chrono::microseconds interval);
  void stop_gracefully();
  bool open_spool();

  gateway_config config;  // as started; a reload updates sources, log level and TLS files
  const std::string config_path;
  const unsigned threads;
  // The webhook connections: one io_context per thread. Declared before ioc
  // so that it outlives it: the webhook acceptor runs on ioc and accepts into
  // sockets of these contexts, and an accept still queued when ioc is
  // destroyed destroys such a socket, which needs its context's services.
  io_context_pool workers;
  // Signals, timers, the admin listener and outbound sends.
  net::io_context ioc;
  process_metrics process;
  inbound_metrics inbound;
  // tracing.otlp_endpoint set: the span_sink that inbound requests and
  // outbound attempts hand their spans to (null: spans are not exported).
  // Declared before every span producer, so that it outlives them.
  std::unique_ptr<otlp::span_exporter> span_exporter;
  std::unique_ptr<amqp::managed_publisher> owned_publisher;
  amqp::managed_publisher& publisher;  // *owned_publisher
  http_client client;
  outbound_sender sender;
  std::optional<amqp::consumer> consumer;
  std::unique_ptr<spool::spool> spool;  // null when spool.enabled = false
  dedupe_store_metrics dedupe_store_stats;
  std::unique_ptr<redis_dedupe_store> dedupe_store;  // null when dedupe.backend = "memory"
  webhook_service webhooks_service;
  admin_service admin;
  std::unique_ptr<listener> webhooks;
  std::unique_ptr<listener> internal;
  std::unique_ptr<listener> probes;  // server.metrics_listen: probes and /metrics only
  metrics_sources metrics_from;
  // Registered before the threads start, so no signal finds the default action.
  net::signal_set signals{ioc, SIGINT, SIGTERM, SIGHUP};
  std::atomic<bool> stopping{false};
  std::promise<int> stop_signal;
};

std::vector<std::string_view> app::impl::failing_checks() const {
  std::vector<std::string_view> failing;
  if (stopping.load()) failing.push_back("shutting_down");
  if (!publisher.connected()) failing.push_back("broker");
  if (spool && spool->stats().full) failing.push_back("spool");
  return failing;
}

void app::impl::reload() {
  systemd::reloading();
  spdlog::info("SIGHUP: reloading {}", config_path);
  auto loaded = load_config(config_path);
  std::shared_ptr<net::ssl::context> tls;
  if (loaded.config && !loaded.config->server.tls_cert_file.empty() && webhooks->tls()) {
    std::string error;
    tls = make_tls_server_context(loaded.config->server.tls_cert_file,
                                  loaded.config->server.tls_key_file, error);
    if (!tls) loaded.problems.push_back(error);
  }
  if (!loaded.config || (webhooks->tls() && !tls)) {
    for (const auto& p : loaded.problems) spdlog::error("reload rejected: {}", p);
    spdlog::error("reload rejected: the running configuration stays in force");
    process.reloads_failed.inc();
    systemd::ready();
    return;
  }
  const gateway_config& next = *loaded.config;
  for (const auto& w : config_warnings(next)) spdlog::warn("config: {}", w);
  for (const auto& s : settings_needing_restart(config, next))
    spdlog::warn("reload: {} changed; that takes effect only after a restart", s);
  webhooks_service.reload_sources(next.sources);
  sender.reload_targets(next.targets);
  spdlog::set_level(spdlog::level::from_str(next.log.level));
  config.sources = next.sources;
  config.log.level = next.log.level;
  if (tls) {
    webhooks->set_tls(std::move(tls));
    config.server.tls_cert_file = next.server.tls_cert_file;
    config.server.tls_key_file = next.server.tls_key_file;
  }
  process.reloads_succeeded.inc();
  spdlog::info("reload done: {} source(s)", next.sources.size());
  systemd::ready();
}

net::awaitable<void> app::impl::handle_signals() {
  for (;;) {
    auto [ec, sig] = co_await signals.async_wait(use_nothrow);
    if (ec) co_return;
    if (sig == SIGHUP) {
      reload();
      continue;
    }
    if (stopping.exchange(true)) {
      // An operator who signals twice wants out now. Every 200 already
      // answered is in the broker; requests in flight get no answer.
      std::fprintf(stderr, "rai-gateway: second signal %d: exiting at once\n", sig);
      std::_Exit(128 + sig);
    }
    stop_signal.set_value(sig);
  }
}

// READY=1 once the publisher first connects (posted to the event loop).
void app::impl::announce_ready() {
  publisher.when_connected([this] {
    net::post(ioc, [this] {
      if (!stopping.load()) systemd::ready();
    });
  });
}

net::awaitable<void> app::impl::pet_watchdog(std::chrono::microseconds interval) {
  net::steady_timer timer(ioc);
  for (;;) {
    systemd::watchdog_ping();  // from the event loop: a wedged loop stops the pings
    timer.expires_after(interval);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec) co_return;
  }
}

// Runs on the main thread while the io threads keep serving. Each wait is a
// work_gate's: it ends when the last connection or send does, or at its deadline.
void app::impl::stop_gracefully() {
  systemd::stopping();
  const auto until = clock::now() + config.server.drain_timeout;
  webhooks->stop();
  if (!webhooks->wait_closed(until))
    spdlog::warn("drain timeout: {} webhook connection(s) still open",
                 webhooks->active_connections());
  if (consumer) {
    consumer->stop();  // settles or requeues every delivery it handed out
    // Sends still running finish (each is bounded by its timeouts); their
    // coroutines must be gone before the io_context and the sender go away.
    if (!sender.wait_deliveries_done(clock::now() + sender.longest_send() +
                                     std::chrono::seconds(1)))
      spdlog::warn("drain timeout: {} outbound send(s) still running",
                   sender.deliveries_in_flight());
  }
  if (spool) spool->stop();  // unforwarded records stay on disk for the next start
  if (dedupe_store) dedupe_store->stop();
  internal->stop();
  if (probes) probes->stop();
  internal->wait_closed(std::max(until, clock::now() + std::chrono::seconds(1)));
  if (probes) probes->wait_closed(std::max(until, clock::now() + std::chrono::seconds(1)));
}

// Recovers what a previous run left in the spool before anything is accepted.
bool app::impl::open_spool() {
  try {
    spool->open();
  } catch (const std::exception& e) {
    spdlog::critical("spool: cannot open {}: {}", config.spool.settings.dir, e.what());
    return false;
  }
  const auto s = spool->stats();
  if (s.recovered || s.corrupt_skipped || s.truncated_bytes)
    spdlog::info(
        "spool: {} event(s) recovered to forward, {} damaged span(s) skipped, {} torn byte(s) "
        "truncated",
        s.recovered, s.corrupt_skipped, s.truncated_bytes);
  return true;
}

int app::impl::run() {
  for (const auto& w : config_warnings(config)) spdlog::warn("config: {}", w);
  auto work = net::make_work_guard(ioc);
  std::shared_ptr<net::ssl::context> tls;
  if (!config.server.tls_cert_file.empty()) {
    std::string error;
    tls = make_tls_server_context(config.server.tls_cert_file, config.server.tls_key_file, error);
    if (!tls) {
      spdlog::critical("{}", error);
      return 1;
    }
  }
  if (spool && !open_spool()) return 1;
  if (!config.tracing.otlp_endpoint.empty() && !span_exporter) return 1;
  publisher.start();
  // Until Redis answers, the local window decides (logged once).
  if (dedupe_store) dedupe_store->start();
  if (spool) spool->start_forwarding(spool::forward_to(publisher));
  if (auto settings = consumer_settings_from(config, sender)) {
    consumer.emplace(config.amqp, *settings,
                     [this](amqp::delivery&& d) { sender.on_delivery(std::move(d)); });
    sender.attach(*consumer);
  }
  workers.start();
  const auto limits = limits_from(config.server);
  auto webhook_limits = limits;
  webhook_limits.body_budget = std::make_shared<byte_budget>(config.server.max_buffered_body_bytes);
  webhooks = open_listener(
      ioc, "webhook", config.server.listen, config.server.max_connections, webhook_limits,
      {.check_header =
           [this](const http::request_header<>& h) { return webhooks_service.check_header(h); },
       .handle = [this](const http_request& r) { return webhooks_service.handle(r); }},
      std::move(tls), [this] { return workers.next(); });
  internal = open_listener(
      ioc, "admin", config.server.admin_listen, 256, limits,
      {.check_header = [this](const http::request_header<>& h) { return admin.check_header(h); },
       .handle = [this](const http_request& r) { return admin.handle(r); }});
  if (config.server.metrics_listen) {
    auto probe_limits = limits;
    probe_limits.max_body_bytes = 1024;  // probes and /metrics take no body
    probes = open_listener(
        ioc, "metrics", *config.server.metrics_listen, 256, probe_limits,
        {.check_header =
             [this](const http::request_header<>& h) { return admin.check_probe_header(h); },
         .handle = [this](const http_request& r) { return admin.handle_probes(r); }});
  }
  for (const auto& [warning, note] : admin_exposure_notes(config.server, !config.targets.empty())) {
    if (warning)
      spdlog::warn("{}", note);
    else
      spdlog::info("{}", note);
  }
  if (!webhooks || !internal || (config.server.metrics_listen && !probes)) {
    if (dedupe_store) dedupe_store->stop();
    publisher.stop();
    return 1;
  }
  metrics_from = {.process = &process,
                  .inbound = &inbound,
                  .outbound = &sender.metrics(),
                  .publisher = &publisher,
                  .consumer = consumer ? &*consumer : nullptr,
                  .spool = spool.get(),
                  .dedupe_store = dedupe_store ? &dedupe_store_stats : nullptr,
                  .webhook_listener = webhooks.get(),
                  .admin_listener = internal.get(),
                  .metrics_listener = probes.get(),
                  .span_exporter = span_exporter.get()};
  if (consumer) consumer->start();

  net::co_spawn(ioc, handle_signals(), net::detached);
  announce_ready();
  if (auto interval = systemd::watchdog_ping_interval())
    net::co_spawn(ioc, pet_watchdog(*interval), net::detached);
  spdlog::info("rai-gateway {} running: {} threads, {} source(s), {} target(s)",
               RAI_GATEWAY_VERSION, threads, config.sources.size(), config.targets.size());

  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) {
    pool.emplace_back([this, name = "rai-io-" + std::to_string(i)] {
      pthread_setname_np(pthread_self(), name.c_str());
      ioc.run();
    });
  }

  const int sig = stop_signal.get_future().get();
  spdlog::info("signal {}: stopping (drain up to {} ms)", sig, config.server.drain_timeout.count());
  stop_gracefully();
  workers.stop();
  work.reset();
  ioc.stop();
  for (auto& t : pool) t.join();
  // Every span producer has stopped: send what is queued, for at most 2 s.
  if (span_exporter) {
    span_exporter->stop(std::chrono::seconds(2));
    const auto s = span_exporter->stats();
    spdlog::info(
        "tracing: {} span(s) exported, {} dropped (queue full), {} dropped (export failed)",
        s.exported, s.dropped_queue_full, s.dropped_export_failed);
  }
  publisher.stop();
  spdlog::info("stopped");
  return 0;
}

app::app(gateway_config config, std::string config_path, const publisher_factory& make_publisher)
    : impl_(std::make_unique<impl>(std::move(config), std::move(config_path), make_publisher)) {}

app::~app() = default;

int app::run() {
  return impl_->run();
}

}  // namespace rai::gateway
