// rai-bench-load: the inbound load generator of bench/run (issue 7).
//
// Prepares M payload templates before the clock starts, then sends over N
// keep-alive connections for a fixed --duration or --count, closed loop or at
// a fixed --rate, each request a fresh event with its own payload id, sealed
// just before it is sent; reports requests/s, latency percentiles, responses
// by status and transport errors (text on stdout, JSON with --json).

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/cli.hpp"
#include "bench/cpu_time.hpp"
#include "bench/json_writer.hpp"
#include "bench/latency.hpp"
#include "bench/load_client.hpp"
#include "bench/load_requests.hpp"
#include "crypto/cipher_names.hpp"
#include "crypto/key.hpp"
#include "handlers/names.hpp"

namespace {

using namespace rai;
using namespace rai::bench;

constexpr const char* usage =
    R"(usage: rai-bench-load --key KEY --api-key APIKEY (--duration S | --count N) [options]

target
  --host IP               gateway address (127.0.0.1)
  --port PORT             gateway webhook port (8080)
  --source NAME           {source} of the route (bench)
  --event NAME            event kind and {event} of the route (user-joined)
  --event-in-body         POST /webhooks/{source}; the event is only in the payload
requests
  --key KEY               AES key of the source: 32 characters, hex:..., base64:...
  --no-encryption         send plaintext JSON (no --key, no x-encrypted)
  --api-key KEY           x-api-key header (none when omitted)
  --mode MODE             aes-256-gcm | aes-256-cbc (aes-256-gcm)
  --layout LAYOUT         json | compact | raw | header-iv (json)
  --encoding ENC          base64 | hex (base64)
  --iv-header NAME        IV header of the header-iv layout (x-iv)
  --size BYTES            plaintext size of each event (1024)
  --events M              distinct payload templates (64); every request gets its own
                          payload id (<run prefix>-<sequence number>) and is sealed
                          just before it is sent, so no two requests are duplicates
load
  --connections N         keep-alive connections (32)
  --threads T             client threads, each with its own event loop (1)
  --duration S            seconds to send for (after the warm-up)
  --count N               requests to send (the run ends at whichever comes first)
  --warmup S              seconds sent before timing starts (0)
  --rate R                open loop: R requests/s in total, latency from the due time
  --timeout S             abandon requests when nothing is answered for S seconds (10)
output
  --json FILE             write the result as JSON
  --ids FILE              write the id of every request answered 200, one per line
  --label TEXT            a name for this run in the JSON
)";

// The mode in any spelling the tool's --mode takes; layout and encoding as a
// target's config names them (no auto: the load generator sends).
crypto::cipher_mode parse_mode(const std::string& s) {
  if (const auto m = crypto::cipher_mode_from_loose_name(s)) return *m;
  throw std::runtime_error("--mode must be aes-256-gcm or aes-256-cbc");
}

handlers::envelope_layout parse_layout(const std::string& s) {
  const auto names = handlers::layout_names(handlers::name_use::sending);
  if (const auto l = handlers::layout_from_name(s, handlers::name_use::sending)) return *l;
  throw std::runtime_error("--layout must be one of " + handlers::list_names(names));
}

handlers::envelope_encoding parse_encoding(const std::string& s) {
  const auto names = handlers::encoding_names(handlers::name_use::sending);
  if (const auto e = handlers::encoding_from_name(s, handlers::name_use::sending)) return *e;
  throw std::runtime_error("--encoding must be one of " + handlers::list_names(names));
}

std::chrono::nanoseconds seconds_flag(cli& args, std::string_view name, double fallback) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(args.number(name, fallback) * 1e9));
}

std::string run_prefix() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "bench" +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

struct settings {
  request_options requests;
  load_plan plan;
  std::string json_path;
  std::string ids_path;
  std::string label;
};

settings parse(cli& args) {
  settings s;
  auto& r = s.requests;
  auto& p = s.plan;
  r.host = p.host = args.text("host", "127.0.0.1");
  const std::uint64_t port = args.count("port", 8080);
  if (port == 0 || port > 65535) throw std::runtime_error("--port must be 1..65535");
  r.port = p.port = static_cast<std::uint16_t>(port);
  r.source = args.text("source", "bench");
  const std::string event = args.text("event", "user-joined");
  const auto kind = handlers::event_from_path(event);
  if (!kind) throw std::runtime_error("--event: unknown event '" + event + "'");
  r.event = *kind;
  r.event_in_path = !args.flag("event-in-body");

  const bool plaintext = args.flag("no-encryption");
  const auto key = args.text("key");
  if (plaintext && key) throw std::runtime_error("--key and --no-encryption exclude each other");
  if (!plaintext) {
    if (!key) throw std::runtime_error("--key is required (or --no-encryption)");
    auto parsed = crypto::parse_key(*key);
    if (!parsed) throw std::runtime_error("--key: not a valid AES-256 key");
    r.key = *parsed;
  }
  r.api_key = args.text("api-key", "");
  r.seal.mode = parse_mode(args.text("mode", "aes-256-gcm"));
  r.seal.layout = parse_layout(args.text("layout", "json"));
  r.seal.encoding = parse_encoding(args.text("encoding", "base64"));
  r.iv_header = args.text("iv-header", "x-iv");
  r.size = args.count("size", 1024);
  r.events = args.count("events", 64);
  if (r.events == 0) throw std::runtime_error("--events must be at least 1");
  r.id_prefix = run_prefix();

  p.connections = args.count("connections", 32);
  p.threads = static_cast<unsigned>(args.count("threads", 1));
  p.duration = seconds_flag(args, "duration", 0);
  p.count = args.count("count", 0);
  p.warmup = seconds_flag(args, "warmup", 0);
  p.rate = args.number("rate", 0);
  p.stall_timeout = seconds_flag(args, "timeout", 10);
  s.json_path = args.text("json", "");
  s.ids_path = args.text("ids", "");
  p.keep_ids = !s.ids_path.empty();
  s.label = args.text("label", "");
  if (p.duration.count() == 0 && p.count == 0)
    throw std::runtime_error("give --duration S or --count N");
  return s;
}

std::string describe_status(const load_result& r) {
  std::string out;
  for (std::size_t i = 0; i < r.status.size(); ++i) {
    if (r.status[i] == 0) continue;
    if (!out.empty()) out += "  ";
    out += std::to_string(i) + ": " + std::to_string(r.status[i]);
  }
  return out.empty() ? "none" : out;
}

std::string to_json(const settings& s, const load_result& r, const latency_summary& lat, double rps,
                    double prepare_seconds, double client_cpu) {
  json_writer j;
  j.begin_object();
  j.str("tool", "rai-bench-load").str("label", s.label);
  j.begin_object("config")
      .str("target", s.plan.host + ":" + std::to_string(s.plan.port))
      .str("source", s.requests.source)
      .str("event", handlers::event_name(s.requests.event))
      .boolean("encrypted", s.requests.key.has_value())
      .str("mode", crypto::cipher_mode_name(s.requests.seal.mode))
      .uint("plaintext_bytes", s.requests.size)
      .uint("events", s.requests.events)
      .str("id_from", "payload")
      .uint("connections", s.plan.connections)
      .uint("threads", s.plan.threads)
      .num("duration_s", std::chrono::duration<double>(s.plan.duration).count())
      .uint("count", s.plan.count)
      .num("warmup_s", std::chrono::duration<double>(s.plan.warmup).count())
      .num("rate", s.plan.rate)
      .end_object();
  j.num("prepare_s", prepare_seconds);
  j.uint("requests", lat.count).num("seconds", r.measured_seconds).num("rps", rps);
  write_latency_ms(j, "latency_ms", lat);
  j.begin_object("status");
  for (std::size_t i = 0; i < r.status.size(); ++i)
    if (r.status[i] != 0) j.uint(std::to_string(i), r.status[i]);
  j.end_object();
  j.uint("accepted", r.status[200]).uint("duplicates", r.duplicates);
  j.uint("sent", r.sent).uint("answered", r.answered).num("wall_s", r.wall_seconds);
  j.begin_object("errors")
      .uint("connect", r.connect_errors)
      .uint("write", r.write_errors)
      .uint("read", r.read_errors)
      .uint("timeout", r.timeouts)
      .uint("total", r.connect_errors + r.write_errors + r.read_errors + r.timeouts)
      .end_object();
  j.uint("seal_errors", r.seal_errors);
  j.num("client_cpu_s", client_cpu)
      .num("client_cpu_pct", r.wall_seconds > 0 ? 100 * client_cpu / r.wall_seconds : 0);
  j.end_object();
  return j.text();
}

int run(int argc, char** argv) {
  cli args(argc, argv, {"help", "no-encryption", "event-in-body"});
  if (args.flag("help")) {
    std::fputs(usage, stdout);
    return 0;
  }
  settings s = parse(args);
  args.reject_unknown();

  const auto t0 = std::chrono::steady_clock::now();
  const prepared_requests requests = prepare_requests(s.requests);
  const double prepare_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "rai-bench-load: %zu event templates of %zu B plaintext (%zu B sealed), sealed per request;"
      " prepared in %.2f s\n",
      requests.templates.size(), requests.plaintext_bytes, requests.body_bytes, prepare_seconds);
  std::fflush(stdout);

  const double cpu_before = process_cpu_seconds();
  load_result r = run_load(requests, s.plan);
  const double client_cpu = process_cpu_seconds() - cpu_before;
  const latency_summary lat = summarize(r.latencies_ns);
  const double rps =
      r.measured_seconds > 0 ? static_cast<double>(lat.count) / r.measured_seconds : 0;
  const std::uint64_t errors = r.connect_errors + r.write_errors + r.read_errors + r.timeouts;

  std::printf("  connections   %zu on %u thread(s)%s\n", s.plan.connections, s.plan.threads,
              s.plan.rate > 0 ? (", open loop at " + std::to_string(s.plan.rate) + " req/s").c_str()
                              : ", closed loop");
  std::printf("  requests      %llu timed in %.2f s (%llu sent, %llu answered)\n",
              static_cast<unsigned long long>(lat.count), r.measured_seconds,
              static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.answered));
  std::printf("  throughput    %.1f req/s\n", rps);
  std::printf("  latency ms    p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
              lat.p50_ms, lat.p90_ms, lat.p99_ms, lat.p999_ms, lat.max_ms, lat.mean_ms);
  std::printf("  status        %s (duplicates %llu)\n", describe_status(r).c_str(),
              static_cast<unsigned long long>(r.duplicates));
  std::printf(
      "  errors        %llu (connect %llu, write %llu, read %llu, timeout %llu)\n",
      static_cast<unsigned long long>(errors), static_cast<unsigned long long>(r.connect_errors),
      static_cast<unsigned long long>(r.write_errors),
      static_cast<unsigned long long>(r.read_errors), static_cast<unsigned long long>(r.timeouts));
  std::printf("  client cpu    %.2f s (%.0f %% of one core)\n", client_cpu,
              r.wall_seconds > 0 ? 100 * client_cpu / r.wall_seconds : 0);
  if (r.seal_errors != 0)
    std::printf("  note          %llu requests could not be sealed\n",
                static_cast<unsigned long long>(r.seal_errors));

  if (!s.ids_path.empty()) {
    std::string text;
    for (const auto& id : r.accepted_ids) (text += id) += '\n';
    std::ofstream f(s.ids_path, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + s.ids_path);
  }
  if (!s.json_path.empty())
    write_text_file(s.json_path, to_json(s, r, lat, rps, prepare_seconds, client_cpu));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return rai::bench::run_main("rai-bench-load", argc, argv, run);
}
