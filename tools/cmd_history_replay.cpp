// rai-gateway-tool history replay: a time range of returning.events.history
// into a queue or an exchange again, with publisher confirms.

#include <charconv>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "amqp/session.hpp"
#include "handlers/rfc3339.hpp"
#include "tools/commands.hpp"
#include "tools/dlq.hpp"
#include "tools/history.hpp"
#include "tools/history_scan.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage =
    R"(usage: rai-gateway-tool history replay --config FILE --since T [--until T]
         [--source S] [--event E] (--to-queue Q | --to-exchange X [--routing-key K])
         [--dry-run] [--rate N] [options]

Reads the event history stream returning.events.history (history.enabled)
and publishes again, with publisher confirms, every event the gateway
received in [--since, --until) that --source and --event select: body,
message_id, type, timestamp, content type and headers unchanged, plus
x-replayed-at. Times are RFC 3339 (2026-11-23T14:00:00Z, ...+02:00); each
event is judged by its own x-received-at, so the range is exact to the
millisecond. Without --until the range ends when the command starts. The
read ends at the first event received 5 s after --until, or at the stream's
end when reading began: nothing delivered for --idle-ms once the reader is in
the stream's last chunk of that moment (before it, a pause is a slow broker:
waited for up to 60 s or --timeout-ms, then the replay fails).

  --since T          the range's start (inclusive)
  --until T          the range's end (exclusive; default: now)
  --source S         only events of this source (header x-source)
  --event E          only events of this kind (the type property)
  --to-queue Q       publish into queue Q through the default exchange;
                     Q is declared durable (classic) if missing
  --to-exchange X    publish to exchange X, with routing key K (default:
  --routing-key K    each event's original key, returning.SOURCE.EVENT)
  --dry-run          publish nothing; print how many events the range and
                     selection hold, per event kind
  --rate N           publish at most N events per second
  --from-offset N    start at stream offset N exactly (a failed replay prints
                     the offset to resume from); the range still applies
  --config FILE      the broker (amqp.url or urls, tls_*) of a gateway config
  --amqp-url URL     the broker instead (a vhost goes in the path)
  --tls-ca-file FILE, --tls-cert-file FILE, --tls-key-file FILE
                     amqps://, as for dlq replay
  --batch N          publishes awaiting confirms at once (default 256)
  --idle-ms MS       the stream's end: no delivery for MS in its last chunk
                     (default 2000)
  --timeout-ms MS    connect, each broker call and each wait for confirms
                     (default 10000)

Progress goes to stderr; the last line on stdout says how many events were
replayed (counted when confirmed). When a publish fails the command says at
which event it stopped and prints the command that resumes there.
Exit: 0 done, 1 failed (nothing after the stated event was replayed for
sure), 2 usage error.
)";

struct pending {
  std::int64_t offset = -1;
  std::string received_at;
  std::optional<amqp::publish_status> status;  // nullopt: no confirm yet
};

std::string quoted(const std::string& v) {
  if (v.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+/@=,") ==
      std::string::npos) {
    return v;
  }
  std::string out = "'";
  for (char c : v) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The command that resumes at stream offset `offset`: the same range,
// selection and destination. Broker flags other than --config are not
// repeated (--amqp-url may carry a password).
std::string resume_command(const parsed_args& a, std::int64_t offset) {
  std::string out = "rai-gateway-tool history replay";
  for (const char* flag : {"--config", "--since", "--until", "--source", "--event", "--to-queue",
                           "--to-exchange", "--routing-key", "--rate"}) {
    if (const auto v = a.last(flag)) out += std::string(" ") + flag + ' ' + quoted(*v);
  }
  out += " --from-offset " + std::to_string(offset);
  if (a.has("--amqp-url") || a.has("--tls-ca-file") || a.has("--tls-cert-file")) {
    out += " (plus your --amqp-url / --tls-* flags)";
  }
  return out;
}

std::int64_t offset_of(const amqp::taken_message& m) {
  const auto text = m.header("x-stream-offset").value_or("");
  std::int64_t v = -1;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

struct replay_state {
  replay_state(amqp::session& o, std::string x, std::optional<std::string> key, std::uint64_t b,
               std::uint64_t r)
      : out(o), exchange(std::move(x)), routing_key(std::move(key)), batch(b), rate(r) {}

  amqp::session& out;
  std::string exchange;
  std::optional<std::string> routing_key;  // nullopt: each event's own key
  std::uint64_t batch;
  std::uint64_t rate;  // 0: unlimited
  std::uint64_t replayed = 0;
  std::uint64_t selected = 0;
  // Published in order, the oldest first; window[i] is publish number
  // first_seq + i. A sliding window: reading and publishing go on while up
  // to `batch` confirms are outstanding.
  std::deque<pending> window;
  std::uint64_t first_seq = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_progress = started;
  std::optional<pending> stopped_at;  // the first event not replayed for sure
  std::int64_t next_offset = -1;      // after the last event read and handled

  // Counts the confirmed publishes at the front of the window; the first
  // one that failed stops the replay there.
  outcome<void> retire() {
    while (!window.empty() && window.front().status) {
      if (*window.front().status != amqp::publish_status::confirmed) {
        stopped_at = window.front();
        return op_error(std::string("an event was not confirmed (") +
                        amqp::to_string(*window.front().status) + ")");
      }
      window.pop_front();
      ++first_seq;
      ++replayed;
    }
    progress(false);
    return {};
  }

  outcome<void> failed(const std::string& why) {
    if (!window.empty()) stopped_at = window.front();
    return op_error(why);
  }

  // Reads the confirms that have arrived; waits while `batch` are outstanding.
  outcome<void> collect(std::uint64_t limit) {
    if (auto r = out.read_confirms(std::chrono::nanoseconds(0)); !r) return failed(r.error().text);
    while (window.size() > limit) {
      if (auto r = retire(); !r) return r;
      if (window.size() <= limit) break;
      if (auto r = out.read_confirms(std::chrono::milliseconds(100)); !r) {
        return failed(r.error().text);
      }
    }
    return retire();
  }

  // Waits for every outstanding confirm.
  outcome<void> settle() {
    if (auto r = out.await_confirms(); !r) {
      if (auto retired = retire(); !retired) return retired;
      return failed(r.error().text);
    }
    return retire();
  }

  void progress(bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_progress < std::chrono::seconds(2)) return;
    last_progress = now;
    const double s = std::chrono::duration<double>(now - started).count();
    std::fprintf(stderr, "history replay: %llu replayed (%.0f/s)\n",
                 static_cast<unsigned long long>(replayed), s > 0 ? replayed / s : 0.0);
  }

  void pace() const {
    if (rate == 0) return;
    const auto due = started + std::chrono::microseconds(selected * 1'000'000 / rate);
    std::this_thread::sleep_until(due);
  }

  outcome<bool> publish(const amqp::taken_message& m) {
    ++selected;
    pace();
    pending p;
    p.offset = offset_of(m);
    // Only a well-formed time goes into the resume hint (it came from the broker).
    if (auto at = m.header("x-received-at"); at && parse_rfc3339_ms(*at)) p.received_at = *at;
    window.push_back(std::move(p));
    amqp::republish_edit edit;
    edit.add_headers.emplace_back(replayed_at_header,
                                  handlers::rfc3339_utc(std::chrono::system_clock::now()));
    const std::uint64_t seq = first_seq + window.size() - 1;
    const auto sent = out.republish(m, exchange, routing_key ? *routing_key : m.routing_key(), edit,
                                    [this, seq](amqp::publish_status s) {
                                      if (seq >= first_seq && seq - first_seq < window.size()) {
                                        window[seq - first_seq].status = s;
                                      }
                                    });
    if (!sent) return failed(sent.error().text).error();
    if (auto r = collect(batch - 1); !r) return r.error();
    return true;
  }
};

outcome<void> dry_run(amqp::session& reader, const scan_options& options) {
  std::map<std::string, std::uint64_t> per_kind;
  std::uint64_t total = 0;
  const auto end =
      scan_history(reader, options, [&](const amqp::taken_message& m, verdict v) -> outcome<bool> {
        if (v == verdict::selected) {
          ++per_kind[std::string(m.type())];
          ++total;
        }
        return true;
      });
  if (!end) return end.error();
  for (const auto& [kind, n] : per_kind) {
    std::printf("%s\t%llu\n", terminal_cell(kind).c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("would replay %llu event(s) (dry run: nothing published)\n",
              static_cast<unsigned long long>(total));
  return {};
}

outcome<void> run(const parsed_args& a) {
  auto options = scan_options_from(a, /*since_required=*/true);
  if (!options) return options.error();
  const auto to_queue = a.last("--to-queue");
  const auto to_exchange = a.last("--to-exchange");
  if (to_queue.has_value() == to_exchange.has_value()) {
    return usage_error("give either --to-queue Q or --to-exchange X");
  }
  if (to_queue && to_queue->empty()) return usage_error("--to-queue must not be empty");
  if (to_queue && a.has("--routing-key")) {
    return usage_error("--routing-key goes with --to-exchange");
  }
  const auto batch = number_flag(a, "--batch", 256, 1, 10'000);
  if (!batch) return batch.error();
  const auto rate = number_flag(a, "--rate", 0, 1, 10'000'000);
  if (!rate) return rate.error();
  auto reader_settings = broker_from(a, "rai-gateway-tool history replay (reader)");
  if (!reader_settings) return reader_settings.error();

  const auto end = last_chunk_offset(*reader_settings);
  if (!end) return end.error();
  options->end_at_least = *end;
  auto reader = amqp::session::open(*reader_settings);
  if (!reader) return op_error(reader.error().text);
  if (a.has("--dry-run")) return dry_run(*reader, *options);

  // The publisher is a connection of its own (a consuming session does not
  // publish, see amqp/session.hpp).
  auto writer_settings = *reader_settings;
  writer_settings.connection_name = "rai-gateway-tool history replay (publisher)";
  auto writer = amqp::session::open(writer_settings);
  if (!writer) return op_error(writer.error().text);
  if (to_queue) {
    if (auto r = writer->declare_queue(*to_queue); !r) return op_error(r.error().text);
  }
  if (auto r = writer->enable_confirms(); !r) return op_error(r.error().text);

  replay_state state(*writer, to_queue ? std::string() : *to_exchange,
                     to_queue ? std::optional<std::string>(*to_queue) : a.last("--routing-key"),
                     *batch, *rate);
  auto scanned = scan_history(*reader, *options,
                              [&](const amqp::taken_message& m, verdict v) -> outcome<bool> {
                                if (v == verdict::selected) {
                                  if (auto r = state.publish(m); !r) return r;
                                }
                                if (const auto o = offset_of(m); o >= 0) state.next_offset = o + 1;
                                return true;
                              });
  // Whatever ended the read, the publishes in flight are settled and counted.
  const auto settled = state.settle();
  writer->close();  // settles what is left while `state` still lives
  const outcome<void> done = !scanned ? outcome<void>(scanned.error()) : settled;
  state.progress(true);
  const std::string where = to_queue ? "queue " + *to_queue : "exchange " + *to_exchange;
  std::printf("replayed %llu event(s) into %s\n", static_cast<unsigned long long>(state.replayed),
              where.c_str());
  std::fflush(stdout);
  if (done) return {};
  if (!state.stopped_at && state.next_offset >= 0) {
    state.stopped_at = pending{state.next_offset, "", amqp::publish_status::unavailable};
  }
  if (state.stopped_at && state.stopped_at->offset >= 0) {
    const pending& p = *state.stopped_at;
    std::fprintf(stderr,
                 "history replay: stopped at stream offset %lld: the events from there on were "
                 "not replayed for sure. Resume with:\n  %s\n",
                 static_cast<long long>(p.offset), resume_command(a, p.offset).c_str());
    if (!p.received_at.empty()) {
      std::fprintf(stderr, "  (or, without --from-offset, from --since %s)\n",
                   p.received_at.c_str());
    }
  } else {
    std::fprintf(stderr, "history replay: nothing was replayed; run the same command again\n");
  }
  return done.error();
}

}  // namespace

int run_history_replay(std::span<const std::string_view> args) {
  const arg_spec spec{
      {"--config", "--since", "--until", "--source", "--event", "--to-queue", "--to-exchange",
       "--routing-key", "--rate", "--from-offset", "--amqp-url", "--tls-ca-file", "--tls-cert-file",
       "--tls-key-file", "--batch", "--idle-ms", "--timeout-ms"},
      {"--dry-run"}};
  return run_command("history replay", args, spec, usage, run);
}

}  // namespace rai::tool
