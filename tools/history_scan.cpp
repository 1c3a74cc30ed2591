#include "tools/history_scan.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "amqp/topology.hpp"

namespace rai::tool {

namespace {

// Acks return credit to the stream (they delete nothing); one ack with
// `multiple` per this many deliveries keeps the prefetch window full.
constexpr std::uint64_t k_ack_every = 10;

outcome<std::int64_t> time_flag(const parsed_args& a, std::string_view flag) {
  const auto v = a.last(flag);
  if (!v) return usage_error(std::string(flag) + " is missing");
  const auto ms = parse_rfc3339_ms(*v);
  if (!ms) {
    return usage_error(std::string(flag) + " '" + *v +
                       "' is not an RFC 3339 time such as 2026-11-23T14:00:00Z");
  }
  return *ms;
}

}  // namespace

outcome<scan_options> scan_options_from(const parsed_args& a, bool since_required) {
  scan_options o;
  if (a.has("--since") || since_required) {
    const auto since = time_flag(a, "--since");
    if (!since) return since.error();
    o.filter.since_ms = *since;
  }
  if (a.has("--until")) {
    const auto until = time_flag(a, "--until");
    if (!until) return until.error();
    o.filter.until_ms = *until;
  } else {
    o.filter.until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  }
  if (o.filter.until_ms <= o.filter.since_ms) return usage_error("--until must be after --since");
  o.filter.source = a.last("--source");
  o.filter.event = a.last("--event");
  if (a.has("--from-offset")) {
    const auto offset = number_flag(a, "--from-offset", 0, 0, INT64_MAX);
    if (!offset) return offset.error();
    o.from_offset = static_cast<std::int64_t>(*offset);
  }
  const auto idle = number_flag(a, "--idle-ms", 2'000, 100, 600'000);
  if (!idle) return idle.error();
  o.idle = std::chrono::milliseconds(*idle);
  const auto timeout = number_flag(a, "--timeout-ms", 10'000, 1, 3'600'000);
  if (!timeout) return timeout.error();
  o.stall = std::max(o.stall, std::chrono::milliseconds(*timeout));
  return o;
}

outcome<std::int64_t> last_chunk_offset(const amqp::session_settings& broker) {
  auto settings = broker;
  settings.connection_name += " (end probe)";
  auto probe = amqp::session::open(settings);
  if (!probe) return op_error(probe.error().text);
  amqp::session::stream_start last;
  last.from = amqp::session::stream_start::kind::last;
  if (auto r = probe->consume_stream(amqp::names::history_stream, last, 1); !r) {
    return op_error(r.error().text + " (is history.enabled in the gateway's config?)");
  }
  // An empty stream delivers nothing; a stream with data sends its last chunk at once.
  auto m = probe->next_delivery(std::chrono::milliseconds(1'000));
  if (!m) return op_error(m.error().text);
  if (!*m) return std::int64_t{-1};
  const auto text = (**m).header("x-stream-offset").value_or("-1");
  std::int64_t offset = -1;
  std::from_chars(text.data(), text.data() + text.size(), offset);
  return offset;
}

outcome<scan_end> scan_history(
    amqp::session& reader, const scan_options& options,
    const std::function<outcome<bool>(const amqp::taken_message&, verdict)>& visit) {
  amqp::session::stream_start start;
  if (options.from_offset) {
    start.from = amqp::session::stream_start::kind::offset;
    start.value = *options.from_offset;
  } else if (options.filter.since_ms > 0) {
    start.from = amqp::session::stream_start::kind::timestamp;
    start.value = (options.filter.since_ms - start_margin_ms) / 1000;
  }
  if (auto r = reader.consume_stream(amqp::names::history_stream, start, options.prefetch); !r) {
    return op_error(r.error().text + " (is history.enabled in the gateway's config?)");
  }
  std::uint64_t unacked = 0;
  std::int64_t seen = -1;  // the offset of the last delivery
  auto quiet = std::chrono::milliseconds(0);
  for (;;) {
    auto m = reader.next_delivery(options.idle);
    if (!m) return op_error(m.error().text);
    if (!*m) {
      // Nothing at all: the start (a --since after the last chunk began) is
      // past everything the stream holds, or the stream is empty.
      if (seen == -1 || seen >= options.end_at_least) return scan_end::idle;
      quiet += options.idle;  // not yet at the end: the broker is slow
      if (quiet >= options.stall) {
        return op_error("the stream stopped delivering at offset " + std::to_string(seen) +
                        ", before its end (offset " + std::to_string(options.end_at_least) +
                        " or later)");
      }
      continue;
    }
    quiet = std::chrono::milliseconds(0);
    if (const auto o = (**m).header("x-stream-offset")) {
      std::from_chars(o->data(), o->data() + o->size(), seen);
    }
    const auto received = received_ms(**m);
    const verdict v =
        options.filter.judge(received, (**m).header("x-source").value_or(""), (**m).type());
    if (v == verdict::after && *received >= options.filter.until_ms + stop_slack_ms) {
      return scan_end::past_until;
    }
    const auto go_on = visit(**m, v);
    if (!go_on) return go_on.error();
    if (++unacked >= k_ack_every) {
      if (auto r = reader.ack(**m, /*multiple=*/true); !r) return op_error(r.error().text);
      unacked = 0;
    }
    if (!*go_on) return scan_end::stopped;
  }
}

}  // namespace rai::tool
