#include "gateway/command_line.hpp"

#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include "amqp/tls.hpp"
#include "config/config.hpp"
#include "config/config_warnings.hpp"
#include "config/secret_file.hpp"
#include "gateway/app.hpp"
#include "gateway/logging.hpp"
#include "gateway/tls_server_context.hpp"

#ifndef RAI_GATEWAY_VERSION
#define RAI_GATEWAY_VERSION "0.0.0"
#endif

namespace rai::gateway {
namespace {

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

// Each connection is a descriptor: the soft limit (often 1024) would cap
// server.max_connections long before memory does, so take the hard limit.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// The amqps files: one that does not load would fail every connection, so
// it stops the start as it fails --check-config. The client key is a secret
// file like any other: refused when others may read it.
std::vector<std::string> amqp_tls_file_problems(const amqp::tls_settings& tls) {
  std::vector<std::string> problems = amqp::check_tls_files(tls);
  struct stat st {};
  if (!tls.key_file.empty() && ::stat(tls.key_file.c_str(), &st) == 0) {
    if (auto unsafe = unsafe_secret_mode(static_cast<unsigned>(st.st_mode))) {
      problems.push_back("amqp.tls_key_file: " + tls.key_file + ": " + *unsafe + " " +
                         tls.key_file);
    }
  }
  return problems;
}

}  // namespace

int run_command_line(int argc, char** argv, const publisher_factory& make_publisher) {
  options opts;
  if (auto code = parse_args(argc, argv, opts)) return *code;

  auto loaded = load_config(opts.config_path);
  if (!loaded.config) {
    for (const auto& p : loaded.problems)
      std::fprintf(stderr, "rai-gateway: config: %s\n", p.c_str());
    return 2;
  }
  if (const auto problems = amqp_tls_file_problems(loaded.config->amqp.tls); !problems.empty()) {
    for (const auto& p : problems) std::fprintf(stderr, "rai-gateway: config: %s\n", p.c_str());
    return 2;
  }
  if (opts.check_only) {
    const auto& server = loaded.config->server;
    if (!server.tls_cert_file.empty()) {
      std::string error;
      if (!make_tls_server_context(server.tls_cert_file, server.tls_key_file, error)) {
        std::fprintf(stderr, "rai-gateway: config: %s\n", error.c_str());
        return 2;
      }
    }
    for (const auto& w : config_warnings(*loaded.config))
      std::fprintf(stderr, "rai-gateway: config: warning: %s\n", w.c_str());
    std::printf("rai-gateway: config OK (%zu source(s))\n", loaded.config->sources.size());
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  raise_descriptor_limit();
  setup_logging(loaded.config->log);
  int code;
  {
    app gateway(std::move(*loaded.config), opts.config_path, make_publisher);
    code = gateway.run();
  }
  shutdown_logging();
  return code;
}

}  // namespace rai::gateway
