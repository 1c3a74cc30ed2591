// rai-gateway-tool send: sample events of every kind to a running gateway.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "crypto/aes.hpp"
#include "crypto/codec.hpp"
#include "http/http_client.hpp"
#include "tools/cipher_profile.hpp"
#include "tools/commands.hpp"
#include "tools/config_flags.hpp"
#include "tools/send.hpp"

namespace rai::tool {
namespace {

namespace net = gateway::net;
namespace http = gateway::http;

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
  --timeout-ms MS        to connect, and for each request and its response
                         (default 10000)

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

// Bytes of a response kept for the tally (the gateway's answers are small).
constexpr std::size_t max_reply_body = 1 << 20;

// One of the `connections` senders: takes the next event number until all
// are taken, and sends each through the gateway's own HTTP client, whose
// keep-alive pool gives every sender a connection of its own. A pooled
// connection the gateway had closed meanwhile (its idle timeout) is retried
// once on a fresh one; the gateway dedupes by event id, so a repeat can only
// show up as a duplicate, never as a second event.
net::awaitable<void> sender(const send_plan& p, gateway::http_client& client,
                            std::atomic<std::uint64_t>& next, send_tally& tally) {
  for (;;) {
    const std::uint64_t n = next.fetch_add(1) + 1;  // 1-based
    if (n > p.count) co_return;
    const auto kind = p.kinds[(n - 1) % p.kinds.size()];
    const std::string id = p.id_prefix + "-" + std::to_string(n);
    auto request = build_webhook_request(p.profile, kind, id, n, std::chrono::system_clock::now());
    if (!request) {
      tally.transport_error(id, request.error().message);
      continue;
    }
    gateway::http_request message{http::verb::post, request->target, 11};
    message.set(http::field::user_agent, "rai-gateway-tool");
    for (const auto& [name, value] : request->headers) message.set(name, value);
    message.body() = std::move(request->body);
    message.keep_alive(true);
    gateway::parsed_url url = p.target.url;
    url.target = std::move(request->target);
    const auto reply = co_await client.send(url, std::move(message), p.timeout);
    if (reply.error) {
      tally.transport_error(id, reply.error_detail);
    } else {
      tally.reply(id, reply.status, reply.body);
    }
  }
}

// Runs the senders on one io_context, on as many threads as there are cores
// (sealing is the work), at most one per sender.
outcome<void> send_all(const send_plan& p, send_tally& tally) {
  net::io_context ioc;
  gateway::http_client_settings settings;
  settings.connect_timeout = p.timeout;
  settings.max_idle_per_host = p.connections;
  settings.max_response_body = max_reply_body;
  gateway::http_client client(ioc, settings);  // destroyed before ioc

  std::atomic<std::uint64_t> next{0};
  std::mutex failed_mutex;
  std::string failed;  // what an exception said, if one ended a sender
  for (std::uint64_t i = 0; i < p.connections; ++i) {
    net::co_spawn(ioc, sender(p, client, next, tally), [&](std::exception_ptr e) {
      if (!e) return;
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      const std::lock_guard lock(failed_mutex);
      if (failed.empty()) failed = std::move(what);
    });
  }
  const auto cores = static_cast<std::uint64_t>(std::max(1u, std::thread::hardware_concurrency()));
  {
    std::vector<std::jthread> threads;
    for (std::uint64_t t = 1; t < std::min(p.connections, cores); ++t)
      threads.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
  }
  if (!failed.empty()) return op_error("sending stopped: " + failed);
  return {};
}

outcome<void> run(const parsed_args& a) {
  const auto plan = plan_from(a);
  if (!plan) return plan.error();
  send_tally tally;
  const auto start = std::chrono::steady_clock::now();
  if (auto sent = send_all(*plan, tally); !sent) return sent.error();
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
  return run_command("send", args, spec, usage, run);
}

}  // namespace rai::tool
