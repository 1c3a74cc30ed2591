// rai-gateway-tool dlq list: what is in returning.outbound.dead, removing nothing.

#include <cstdint>
#include <cstdio>
#include <string>

#include "amqp/session.hpp"
#include "amqp/topology.hpp"
#include "tools/commands.hpp"
#include "tools/dlq.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage = R"(usage: rai-gateway-tool dlq list [options]

Lists the commands in returning.outbound.dead, one line each: id
(message_id, the idempotency key), kind, attempts (x-attempt), last status,
last error and dead reason. Nothing is removed: every message is taken with
basic.get and never acked, so the broker puts it back when the tool closes
its channel (or dies); the messages' redelivered flag is set by this.

  --amqp-url URL     the broker (default amqp://guest:guest@127.0.0.1:5672/;
                     a vhost goes in the path: amqp://u:p@host:5672/vhost)
  --config FILE      take the broker (amqp.url or urls, tls_*) from a gateway config
  --tls-ca-file FILE amqps://: a CA (PEM) trusted besides the system store
  --tls-cert-file FILE
  --tls-key-file FILE
                     amqps://: a client certificate and its key (both or
                     neither); each --tls-* flag replaces the config's file
  --json             one JSON object per line instead of text columns
  --body             include each command's body
  --limit N          list at most N commands
  --timeout-ms MS    connect and each broker call (default 10000)

Exit: 0 ok (an empty queue too), 1 broker error, 2 usage error.
)";

outcome<void> run(const parsed_args& a) {
  const auto broker = broker_from(a, "rai-gateway-tool dlq list");
  if (!broker) return broker.error();
  const auto limit = number_flag(a, "--limit", UINT32_MAX, 1, UINT32_MAX);
  if (!limit) return limit.error();
  const bool json = a.has("--json");
  const bool with_body = a.has("--body");

  auto session = amqp::session::open(*broker);
  if (!session) return op_error(session.error().text);
  const auto ready = session->ready_count(amqp::names::dead_queue);
  if (!ready) return op_error(ready.error().text);
  if (!json) std::printf("%s\n", dead_text_header(with_body).c_str());
  // At most the messages present at the start: nothing taken is acked, so a
  // message is never seen twice, and new arrivals cannot keep the loop going.
  std::uint64_t listed = 0;
  while (listed < *ready && listed < *limit) {
    auto m = session->get(amqp::names::dead_queue);
    if (!m) return op_error(m.error().text);
    if (!*m) break;
    const dead_entry e = dead_entry_of(**m, with_body);
    std::printf("%s\n", (json ? format_dead_json(e) : format_dead_text(e)).c_str());
    ++listed;
  }
  std::fflush(stdout);
  session->close();  // every message taken goes back into the dead queue
  std::fprintf(stderr, "%llu of %u dead command(s) listed; all are still in %s\n",
               static_cast<unsigned long long>(listed), *ready, amqp::names::dead_queue);
  return {};
}

}  // namespace

int run_dlq_list(std::span<const std::string_view> args) {
  const arg_spec spec{{"--amqp-url", "--config", "--tls-ca-file", "--tls-cert-file",
                       "--tls-key-file", "--limit", "--timeout-ms"},
                      {"--json", "--body"}};
  return run_command("dlq list", args, spec, usage, run);
}

}  // namespace rai::tool
