// rai-gateway-tool dlq: dispatches to list and replay.

#include <cstdio>
#include <string>

#include "tools/commands.hpp"
#include "tools/dlq_commands.hpp"
#include "tools/outcome.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage =
    R"(usage: rai-gateway-tool dlq list [options]     (--help for its options)
       rai-gateway-tool dlq replay [options]   (--help for its options)

  list     list returning.outbound.dead without removing anything
  replay   move chosen (--id ID) or all (--all) dead commands back into
           returning.outbound with publisher confirms; a dead command is acked
           only after its copy is confirmed, so an interruption loses nothing
)";

}  // namespace

int run_dlq(std::span<const std::string_view> args) {
  if (args.empty()) {
    std::fputs(usage, stderr);
    return exit_usage;
  }
  const std::string_view sub = args.front();
  const auto rest = args.subspan(1);
  if (sub == "list") return run_dlq_list(rest);
  if (sub == "replay") return run_dlq_replay(rest);
  if (sub == "--help" || sub == "-h") {
    std::fputs(usage, stdout);
    return exit_ok;
  }
  return report("dlq", usage_error("unknown subcommand '" + std::string(sub) + "'"));
}

}  // namespace rai::tool
