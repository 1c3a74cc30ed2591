// rai-gateway-tool send: sample events of every kind to a running gateway.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/codec.hpp"
#include "tools/cipher_profile.hpp"
#include "tools/commands.hpp"
#include "tools/config_flags.hpp"
#include "tools/keepalive_client.hpp"
#include "tools/send_tally.hpp"
#include "tools/signing_secret.hpp"
#include "tools/webhook_request.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage = R"(usage: rai-gateway-tool send --url URL --source NAME [options]

Sends sample events (realistic payloads, each with its own id) to a running
gateway, encrypted and signed the way the source expects, over keep-alive
connections, and counts the answers.

  --url URL              the webhook listener, http://host:port
  --source NAME          the source: POST /webhooks/NAME/{event}
  --event KIND|all       user-joined | user-visited | message-posted |
                         channel-message-posted | store-item-purchased |
                         all (default: the kinds in turn)
  --count N              events to send in all (default 10)
  --connections C        keep-alive connections in parallel (default 4)
  --api-key KEY          x-api-key
  --key KEY              AES-256 key (none: plaintext JSON, no x-encrypted)
  --mode MODE            aes-256-gcm (default) | aes-256-cbc
  --layout LAYOUT        json (default) | compact | raw | header-iv
  --encoding ENC         base64 (default) | hex
  --iv-header NAME       IV header for header-iv (default x-iv)
  --signing-secret whsec_...  sign every request (webhook-id = the event id)
  --config FILE          take the key, mode, layout, encoding, IV header,
                         first API key and signing secret from the config's
                         [sources.NAME] (NAME from --source); flags override
  --id-prefix P          event ids are P-1, P-2, ... (default: a random prefix,
                         so every run's ids are new)
  --no-event-path        POST /webhooks/NAME, the event named in the payload
  --timeout-ms MS        per connect, write and read (default 10000)

Prints how many got 200 (accepted), 200 duplicate, other statuses and
transport errors. Exit: 0 every event got 200, 1 any did not, 2 usage error.
)";

struct send_plan {
  http_target target;
  sender_profile profile;
  std::vector<handlers::event_kind> kinds;
  std::uint64_t count = 10;
  std::uint64_t connections = 4;
  std::string id_prefix;
  std::chrono::milliseconds timeout{10'000};
};

std::string random_prefix() {
  std::array<std::uint8_t, 4> r{};
  (void)crypto::random_bytes(r);
  return "tool-" + crypto::hex_encode(r);
}

outcome<void> fill_credentials(const parsed_args& a,
                               const std::optional<gateway::gateway_config>& cfg, send_plan& p) {
  auto cipher = cipher_profile_from(a, cfg, cipher_use::sending);
  if (!cipher) return cipher.error();
  p.profile.cipher = std::move(*cipher);
  if (const auto key = a.last("--api-key")) {
    p.profile.api_key = *key;
  } else if (cfg) {
    auto s = find_source(*cfg, p.profile.source);
    if (!s) return s.error();
    if (!(*s)->api_keys.empty()) p.profile.api_key = (*s)->api_keys.front();
  }
  auto secret = signing_secret_from(a, "--signing-secret", cfg);
  if (!secret) return secret.error();
  p.profile.signing_secret = std::move(*secret);
  return {};
}

outcome<send_plan> plan_from(const parsed_args& a) {
  send_plan p;
  const auto url = a.last("--url");
  if (!url) return usage_error("--url http://host:port is required");
  auto target = parse_http_url(*url);
  if (!target) return target.error();
  p.target = std::move(*target);
  const auto source = a.last("--source");
  if (!source || source->empty()) return usage_error("--source NAME is required");
  p.profile.source = *source;
  p.profile.base_path = p.target.base_path;
  p.profile.event_in_path = !a.has("--no-event-path");

  const std::string event = a.last("--event").value_or("all");
  auto kinds = event_kinds_from_flag(event);
  if (!kinds) return usage_error("--event must be an event name or all, not '" + event + "'");
  p.kinds = std::move(*kinds);
  auto count = number_flag(a, "--count", 10, 1, 100'000'000);
  auto connections = number_flag(a, "--connections", 4, 1, 1024);
  auto timeout = number_flag(a, "--timeout-ms", 10'000, 1, 3'600'000);
  if (!count) return count.error();
  if (!connections) return connections.error();
  if (!timeout) return timeout.error();
  p.count = *count;
  p.connections = std::min(*connections, *count);
  p.timeout = std::chrono::milliseconds(*timeout);
  p.id_prefix = a.last("--id-prefix").value_or(random_prefix());

  const auto cfg = config_from_flags(a);
  if (!cfg) return cfg.error();
  if (auto r = fill_credentials(a, *cfg, p); !r) return r.error();
  return p;
}

void worker(const send_plan& p, std::atomic<std::uint64_t>& next, send_tally& tally) {
  keepalive_client client(p.target, p.timeout);
  for (;;) {
    const std::uint64_t n = next.fetch_add(1) + 1;  // 1-based
    if (n > p.count) return;
    const auto kind = p.kinds[(n - 1) % p.kinds.size()];
    const std::string id = p.id_prefix + "-" + std::to_string(n);
    const auto request =
        build_webhook_request(p.profile, kind, id, n, std::chrono::system_clock::now());
    if (!request) {
      tally.transport_error(id, request.error().message);
      continue;
    }
    const auto reply = client.post(*request);
    if (reply) {
      tally.reply(id, reply->status, reply->body);
    } else {
      tally.transport_error(id, reply.error().message);
    }
  }
}

outcome<void> run(const parsed_args& a) {
  const auto plan = plan_from(a);
  if (!plan) return plan.error();
  std::atomic<std::uint64_t> next{0};
  send_tally tally;
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    for (std::uint64_t i = 0; i < plan->connections; ++i) {
      workers.emplace_back([&] { worker(*plan, next, tally); });
    }
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const auto totals = tally.snapshot();
  std::fputs(format_summary(totals, plan->count, elapsed.count()).c_str(), stdout);
  std::fflush(stdout);
  if (!all_succeeded(totals)) return op_error("some events were not accepted (see above)");
  return {};
}

}  // namespace

int run_send(std::span<const std::string_view> args) {
  const arg_spec spec{{"--url", "--source", "--event", "--count", "--connections", "--api-key",
                       "--key", "--mode", "--layout", "--encoding", "--iv-header",
                       "--signing-secret", "--config", "--id-prefix", "--timeout-ms"},
                      {"--no-event-path"}};
  const auto a = parsed_args::parse(args, spec);
  if (!a) return report("send", a.error());
  if (a->help()) {
    print_help(usage, spec);
    return exit_ok;
  }
  if (auto r = run(*a); !r) return report("send", r.error());
  return exit_ok;
}

}  // namespace rai::tool
