#include <spdlog/spdlog.h>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "gateway/config.hpp"
#include "gateway/listener.hpp"
#include "gateway/logging.hpp"
#include "gateway/webhook_service.hpp"
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

int run(const gateway_config& cfg) {
  const unsigned threads =
      cfg.server.threads ? cfg.server.threads : std::max(1u, std::thread::hardware_concurrency());
  net::io_context ioc(static_cast<int>(threads));

  rai::queue::publisher publisher(cfg.amqp);
  publisher.start();
  webhook_service service(cfg, publisher);

  std::optional<listener> webhooks;
  try {
    webhooks.emplace(ioc, cfg.server.listen, cfg.server.max_connections, limits_from(cfg.server),
                     [&service](const http_request& r) { return service.handle(r); });
  } catch (const boost::system::system_error& e) {
    spdlog::critical("cannot listen on {}:{}: {}", cfg.server.listen.host, cfg.server.listen.port,
                     e.code().message());
    return 1;
  }
  webhooks->start();
  spdlog::info("listening on {}:{} with {} threads; {} source(s)", cfg.server.listen.host,
               webhooks->port(), threads, cfg.sources.size());

  // Stop accepting, give open connections a short grace period, then stop.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer drain(ioc);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: stopping", sig);
    webhooks->stop();
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::function<void()> poll = [&, until] {
      if (webhooks->active_connections() == 0 || std::chrono::steady_clock::now() >= until) {
        ioc.stop();
        return;
      }
      drain.expires_after(std::chrono::milliseconds(50));
      drain.async_wait([&](const boost::system::error_code&) { poll(); });
    };
    poll();
  });

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
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
