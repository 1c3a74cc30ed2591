// rai-gateway-tool: the operator's companion to rai-gateway (encrypt, decrypt
// and sign bodies, send sample events, inspect and replay the dead-letter
// queue, replay and search the event history).

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tools/args.hpp"
#include "tools/commands.hpp"

#ifndef RAI_GATEWAY_VERSION
#define RAI_GATEWAY_VERSION "0.0.0"
#endif

namespace {

constexpr const char* usage =
    R"(usage: rai-gateway-tool COMMAND [options]   (COMMAND --help for its options)

  encrypt      plaintext -> the encrypted request body Returning.AI sends
  decrypt      request body -> plaintext, as the gateway would decrypt it
  sign         request body -> Standard Webhooks signature headers
  send         send sample events of every kind to a running gateway
  dlq list     list the commands in returning.outbound.dead (nothing removed)
  dlq replay   move chosen (--id) or all (--all) dead commands back into
               returning.outbound, with publisher confirms
  history replay
               publish a time range of the event history stream again, into a
               queue or an exchange, with publisher confirms
  history show find events in the history stream (--id ID or a time range)

Keys, modes and layouts can come from the gateway's own config (--config
FILE --source NAME / --target KIND). Exit codes: 0 ok, 1 the operation
failed, 2 usage error.
)";

constexpr const char* dlq_usage =
    R"(usage: rai-gateway-tool dlq list [options]     (--help for its options)
       rai-gateway-tool dlq replay [options]   (--help for its options)

  list     list returning.outbound.dead without removing anything
  replay   move chosen (--id ID) or all (--all) dead commands back into
           returning.outbound with publisher confirms; a dead command is acked
           only after its copy is confirmed, so an interruption loses nothing
)";

constexpr const char* history_usage =
    R"(usage: rai-gateway-tool history replay [options]   (--help for its options)
       rai-gateway-tool history show [options]     (--help for its options)

  replay   publish the events received in a time range (--since/--until,
           optionally one --source / --event) again, into a queue or exchange
  show     print the metadata of events by --id or time range
)";

int run_history(std::span<const std::string_view> args) {
  using namespace rai::tool;
  if (args.empty()) {
    std::fputs(history_usage, stderr);
    return exit_usage;
  }
  const std::string_view sub = args.front();
  const auto rest = args.subspan(1);
  if (sub == "replay") return run_history_replay(rest);
  if (sub == "show") return run_history_show(rest);
  if (sub == "--help" || sub == "-h") {
    std::fputs(history_usage, stdout);
    return exit_ok;
  }
  return report("history", usage_error("unknown subcommand '" + std::string(sub) + "'"));
}

int run_dlq(std::span<const std::string_view> args) {
  using namespace rai::tool;
  if (args.empty()) {
    std::fputs(dlq_usage, stderr);
    return exit_usage;
  }
  const std::string_view sub = args.front();
  const auto rest = args.subspan(1);
  if (sub == "list") return run_dlq_list(rest);
  if (sub == "replay") return run_dlq_replay(rest);
  if (sub == "--help" || sub == "-h") {
    std::fputs(dlq_usage, stdout);
    return exit_ok;
  }
  return report("dlq", usage_error("unknown subcommand '" + std::string(sub) + "'"));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rai::tool;
  const std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (args.empty()) {
    std::fputs(usage, stderr);
    return exit_usage;
  }
  const std::string_view command = args.front();
  const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
  if (command == "encrypt") return run_encrypt(rest);
  if (command == "decrypt") return run_decrypt(rest);
  if (command == "sign") return run_sign(rest);
  if (command == "send") return run_send(rest);
  if (command == "dlq") return run_dlq(rest);
  if (command == "history") return run_history(rest);
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(usage, stdout);
    return exit_ok;
  }
  if (command == "--version") {
    std::printf("rai-gateway-tool %s\n", RAI_GATEWAY_VERSION);
    return exit_ok;
  }
  std::fprintf(stderr, "rai-gateway-tool: unknown command '%.*s'\n%s",
               static_cast<int>(command.size()), command.data(), usage);
  return exit_usage;
}
