#include <spdlog/spdlog.h>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/admin_service.hpp"
#include "gateway/config.hpp"
#include "gateway/http_client.hpp"
#include "gateway/listener.hpp"
#include "gateway/logging.hpp"
#include "gateway/outbound_sender.hpp"
#include "gateway/webhook_service.hpp"
#include "queue/consumer.hpp"
#include "queue/publisher.hpp"

#ifndef RAI_GATEWAY_VERSION
#define RAI_GATEWAY_VERSION "0.0.0"
#endif

namespace {

using namespace rai::gateway;

constexpr const char* usage =
    "usage: rai-gateway --config FILE [--check-config]\n"
    "       rai-gateway --version\n"
    "\n"
    "  --config FILE    TOML configuration (see deploy/gateway.example.toml)\n"
    "  --check-config   validate the configuration and exit (0 valid, 2 invalid)\n";

struct options {
  std::string config_path;
  bool check_only = false;
};

// Returns an exit code when the process should stop right away.
std::optional<int> parse_args(int argc, char** argv, options& out) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      out.config_path = argv[++i];
    } else if (arg.starts_with("--config=")) {
      out.config_path = arg.substr(9);
    } else if (arg == "--check-config") {
      out.check_only = true;
    } else if (arg == "--version") {
      std::printf("rai-gateway %s\n", RAI_GATEWAY_VERSION);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "rai-gateway: unknown argument '%s'\n%s", arg.c_str(), usage);
      return 2;
    }
  }
  if (out.config_path.empty()) {
    std::fprintf(stderr, "rai-gateway: --config FILE is required\n%s", usage);
    return 2;
  }
  return std::nullopt;
}

session_limits limits_from(const server_settings& s) {
  return {.max_body_bytes = s.max_body_bytes,
          .max_header_bytes = s.max_header_bytes,
          .max_target_bytes = s.max_target_bytes,
          .header_timeout = s.header_timeout,
          .body_timeout = s.body_timeout,
          .write_timeout = s.write_timeout,
          .idle_timeout = s.idle_timeout};
}

// The accept loop holds the listener's address: it must never move once started.
std::unique_ptr<listener> open_listener(net::io_context& ioc, const char* what,
                                        const endpoint& where, std::size_t max_connections,
                                        session_limits limits, request_handler handler) {
  try {
    auto l = std::make_unique<listener>(ioc, where, max_connections, limits, std::move(handler));
    l->start();
    spdlog::info("{} listener on {}:{}", what, where.host, l->port());
    return l;
  } catch (const boost::system::system_error& e) {
    spdlog::critical("cannot listen on {}:{} ({}): {}", where.host, where.port, what,
                     e.code().message());
    return nullptr;
  }
}

std::optional<rai::queue::consumer_settings> consumer_settings_from(const gateway_config& cfg,
                                                                    const outbound_sender& sender) {
  if (!cfg.outbound.enabled) return std::nullopt;
  rai::queue::consumer_settings s;
  s.prefetch = static_cast<std::uint16_t>(cfg.outbound.prefetch);
  s.retry_rungs = sender.ladder().rungs;
  s.drain_timeout = cfg.outbound.drain_timeout;
  return s;
}

int run(const gateway_config& cfg) {
  const unsigned threads =
      cfg.server.threads ? cfg.server.threads : std::max(1u, std::thread::hardware_concurrency());
  net::io_context ioc(static_cast<int>(threads));
  auto work = net::make_work_guard(ioc);

  rai::queue::publisher publisher(cfg.amqp);
  publisher.start();
  http_client client(ioc, {.connect_timeout = cfg.outbound.connect_timeout});
  outbound_sender sender(ioc, cfg, publisher, client);
  std::optional<rai::queue::consumer> consumer;
  if (auto settings = consumer_settings_from(cfg, sender)) {
    consumer.emplace(cfg.amqp, *settings,
                     [&sender](rai::queue::delivery&& d) { sender.on_delivery(std::move(d)); });
    sender.attach(*consumer);
  }

  webhook_service webhooks_service(cfg, publisher);
  admin_service admin(publisher,
                      [&sender](std::string_view kind) { return sender.has_target(kind); });
  const auto limits = limits_from(cfg.server);
  auto webhooks =
      open_listener(ioc, "webhook", cfg.server.listen, cfg.server.max_connections, limits,
                    [&](const http_request& r) { return webhooks_service.handle(r); });
  auto internal = open_listener(ioc, "admin", cfg.server.admin_listen, 256, limits,
                                [&](const http_request& r) { return admin.handle(r); });
  if (!webhooks || !internal) {
    publisher.stop();
    return 1;
  }
  if (consumer) consumer->start();
  spdlog::info("rai-gateway {} running: {} threads, {} source(s), {} target(s)",
               RAI_GATEWAY_VERSION, threads, cfg.sources.size(), cfg.targets.size());

  std::promise<int> stop_signal;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec) stop_signal.set_value(sig);
  });
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });

  const int sig = stop_signal.get_future().get();
  spdlog::info("signal {}: stopping", sig);
  // Stop taking work, let what is in flight finish (bounded), then stop.
  webhooks->stop();
  internal->stop();
  if (consumer) consumer->stop();  // settles or requeues every delivery it handed out
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((webhooks->active_connections() > 0 || internal->active_connections() > 0) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  work.reset();
  ioc.stop();
  for (auto& t : pool) t.join();
  publisher.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options opts;
  if (auto code = parse_args(argc, argv, opts)) return *code;

  auto loaded = load_config(opts.config_path);
  if (!loaded.config) {
    for (const auto& p : loaded.problems)
      std::fprintf(stderr, "rai-gateway: config: %s\n", p.c_str());
    return 2;
  }
  if (opts.check_only) {
    std::printf("rai-gateway: config OK (%zu source(s))\n", loaded.config->sources.size());
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  setup_logging(loaded.config->log);
  const int code = run(*loaded.config);
  shutdown_logging();
  return code;
}
