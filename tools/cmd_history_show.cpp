// rai-gateway-tool history show: find events in returning.events.history.

#include <cstdio>
#include <string>

#include "amqp/session.hpp"
#include "tools/commands.hpp"
#include "tools/dlq.hpp"
#include "tools/history.hpp"
#include "tools/history_scan.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage =
    R"(usage: rai-gateway-tool history show (--id ID | --since T) [--until T]
         [--source S] [--event E] [--body] [options]

Prints the metadata of events in the history stream returning.events.history
(history.enabled), one tab-separated line each: OFFSET, RECEIVED_AT, ID,
SOURCE, EVENT, BYTES, REPLAYED_AT; the body only with --body. Nothing is
removed. Values are escaped so they cannot drive the terminal.

  --id ID            only the event(s) with this message_id (the event id);
                     without --since the whole stream is searched
  --since T          events received at or after T (RFC 3339)
  --until T          ... and before T (default: now)
  --source S, --event E
                     only events of this source / kind
  --body             print the body too (it may hold personal data)
  --config FILE, --amqp-url URL, --tls-ca-file FILE, --tls-cert-file FILE,
  --tls-key-file FILE, --idle-ms MS, --timeout-ms MS
                     as for history replay

Exit: 0 done (with --id: found), 1 failed or --id not found, 2 usage error.
)";

outcome<void> run(const parsed_args& a) {
  const auto id = a.last("--id");
  if (!id && !a.has("--since")) return usage_error("give --id ID or --since T");
  if (id && id->empty()) return usage_error("--id must not be empty");
  auto options = scan_options_from(a, /*since_required=*/false);
  if (!options) return options.error();
  const auto settings = broker_from(a, "rai-gateway-tool history show");
  if (!settings) return settings.error();
  const auto last = last_chunk_offset(*settings);
  if (!last) return last.error();
  options->end_at_least = *last;
  auto reader = amqp::session::open(*settings);
  if (!reader) return op_error(reader.error().text);

  const bool with_body = a.has("--body");
  std::uint64_t shown = 0;
  const auto end = scan_history(*reader, *options,
                                [&](const amqp::taken_message& m, verdict v) -> outcome<bool> {
                                  if (v != verdict::selected) return true;
                                  if (id && m.message_id() != *id) return true;
                                  if (shown++ == 0) {
                                    std::printf("%s\n", history_text_header(with_body).c_str());
                                  }
                                  std::printf("%s\n", format_history_text(m, with_body).c_str());
                                  return true;
                                });
  std::fflush(stdout);
  if (!end) return end.error();
  if (id && shown == 0) return op_error("no event with id '" + *id + "' in the range");
  std::fprintf(stderr, "history show: %llu event(s)\n", static_cast<unsigned long long>(shown));
  return {};
}

}  // namespace

int run_history_show(std::span<const std::string_view> args) {
  const arg_spec spec{
      {"--id", "--since", "--until", "--source", "--event", "--config", "--amqp-url",
       "--tls-ca-file", "--tls-cert-file", "--tls-key-file", "--idle-ms", "--timeout-ms"},
      {"--body"}};
  return run_command("history show", args, spec, usage, run);
}

}  // namespace rai::tool
