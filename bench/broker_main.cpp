// rai-bench-broker: the broker-limit publisher of bench/run (issue 7), and the
// command feeder of the outbound benchmark.
//
// Events mode (default): publishes the same ~1 KB plaintext events the
// gateway would publish (persistent, mandatory, the gateway's properties and
// headers) to returning.events with routing key returning.bench.user-joined,
// into a queue it declares and binds, as fast as a pipelined confirm window
// allows. That rate is the ceiling of the gateway's inbound path on this
// machine.
//
// --outbound N: publishes N commands to returning.commands / outbound with
// header x-kind, a unique message_id and a JSON object body, with confirms.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "amqp/session.hpp"
#include "amqp/topology.hpp"
#include "bench/cli.hpp"
#include "bench/cpu_time.hpp"
#include "bench/json_writer.hpp"
#include "bench/latency.hpp"
#include "bench/payloads.hpp"
#include "bench/publish_loop.hpp"
#include "handlers/rfc3339.hpp"

namespace {

using namespace rai::bench;
namespace amqp = rai::amqp;
using rai::handlers::event_kind;

constexpr const char* usage = R"(usage: rai-bench-broker [options] (--count N | --duration S)
       rai-bench-broker --outbound N [--kind KIND] [options]
       rai-bench-broker --declare-only [--queue NAME] [options]

  --url URL            amqp://guest:guest@127.0.0.1:5672/bench
  --queue NAME         queue declared (durable, classic) and bound to returning.events
                       (bench.broker; "" for none: events then land in returning.unrouted)
  --bind-key KEY       binding key of that queue (returning.bench.#)
  --max-length N       x-max-length of that queue (0: none; for soaks)
  --routing-key KEY    routing key of the events (returning.bench.user-joined)
  --purge              purge the queue first
  --size BYTES         plaintext event / command size (1024)
  --events M           distinct bodies cycled through (1024)
  --window W           unconfirmed publishes at most (1024)
  --rate R             open loop: R messages/s, latency from each one's due time
                       (default: as fast as the window allows)
  --count N            messages to publish
  --duration S         seconds to publish for
  --outbound N         publish N commands to returning.commands / outbound instead
  --kind KIND          x-kind of the commands (channel-message)
  --declare-only       declare the topology (and --queue) and exit
  --json FILE          write the result as JSON
  --label TEXT         a name for this run in the JSON

The topology of docs/wire-format.md §6 is declared first, with exactly the gateway's
arguments (classic queues).
)";

std::string run_prefix() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

int run(int argc, char** argv) {
  cli args(argc, argv, {"help", "purge", "declare-only"});
  if (args.flag("help")) {
    std::fputs(usage, stdout);
    return 0;
  }
  const std::string url = args.text("url", "amqp://guest:guest@127.0.0.1:5672/bench");
  const std::string queue = args.text("queue", "bench.broker");
  const std::string bind_key = args.text("bind-key", "returning.bench.#");
  const std::uint64_t max_length = args.count("max-length", 0);
  const std::string routing_key = args.text("routing-key", "returning.bench.user-joined");
  const bool purge = args.flag("purge");
  const std::size_t size = args.count("size", 1024);
  const std::size_t distinct = std::max<std::uint64_t>(1, args.count("events", 1024));
  const std::uint64_t outbound = args.count("outbound", 0);
  const std::string kind = args.text("kind", "channel-message");
  const bool declare_only = args.flag("declare-only");
  const std::string json_path = args.text("json", "");
  const std::string label = args.text("label", "");
  publish_plan plan;
  plan.window = args.count("window", 1024);
  plan.count = args.count("count", 0);
  plan.rate = args.number("rate", 0);
  plan.duration =
      std::chrono::nanoseconds(static_cast<std::int64_t>(args.number("duration", 0) * 1e9));
  args.reject_unknown();
  if (outbound != 0) plan.count = outbound;
  if (!declare_only && plan.count == 0 && plan.duration.count() == 0)
    throw std::runtime_error("give --count N, --duration S or --outbound N");
  if (plan.window == 0) throw std::runtime_error("--window must be at least 1");

  amqp::session session =
      amqp::session::open({{url}, std::chrono::seconds{10}, "rai-bench-broker", {}}).value();
  session.declare_topology(amqp::queue_type::classic, amqp::names::events_exchange).value();
  if (!queue.empty() && outbound == 0) {
    session.declare_bound_queue(queue, amqp::names::events_exchange, bind_key, max_length).value();
    if (purge) session.purge(queue).value();
  }
  if (declare_only) {
    std::printf("rai-bench-broker: topology declared on %s%s\n", session.where().c_str(),
                queue.empty() ? "" : (", queue " + queue + " bound").c_str());
    return 0;
  }

  // Bodies and fixed properties, built before the clock starts.
  const std::string prefix = run_prefix();
  std::vector<std::string> bodies;
  bodies.reserve(distinct);
  for (std::size_t i = 0; i < distinct; ++i) {
    bodies.push_back(outbound != 0 ? command_payload(kind, i, size)
                                   : event_payload(event_kind::user_joined,
                                                   prefix + "-e" + std::to_string(i), i, size));
  }
  const std::string received_at = rai::handlers::rfc3339_utc(std::chrono::system_clock::now());
  const std::int64_t timestamp = static_cast<std::int64_t>(std::time(nullptr));
  message_source next;
  if (outbound != 0) {
    plan.exchange = "returning.commands";
    plan.routing_key = "outbound";
    next = [&](std::uint64_t seq, amqp::message& m) {
      m.body = bodies[seq % bodies.size()];
      m.message_id = "cmd-" + prefix + "-" + std::to_string(seq);
      m.timestamp = timestamp;
      m.headers.emplace_back("x-kind", kind);
    };
  } else {
    plan.exchange = "returning.events";
    plan.routing_key = routing_key;
    next = [&](std::uint64_t seq, amqp::message& m) {
      m.body = bodies[seq % bodies.size()];
      m.message_id = "bench-" + prefix + "-" + std::to_string(seq);
      m.type = "user-joined";
      m.timestamp = timestamp;
      m.headers.emplace_back("x-source", "bench");
      m.headers.emplace_back("x-received-at", received_at);
      m.headers.emplace_back("x-auth", "api-key,gcm");
    };
  }

  const double cpu_before = process_cpu_seconds();
  publish_result r = publish_with_confirms(session, plan, next);
  const double client_cpu = process_cpu_seconds() - cpu_before;
  const double client_pct = r.seconds > 0 ? 100 * client_cpu / r.seconds : 0;
  const latency_summary lat = summarize(r.latency_ns);
  const double rate = r.seconds > 0 ? static_cast<double>(r.acked) / r.seconds : 0;
  const char* what = outbound != 0 ? "commands" : "events";
  std::printf("rai-bench-broker: %llu %s of %zu B published to %s / %s, window %zu\n",
              static_cast<unsigned long long>(r.published), what, bodies.front().size(),
              plan.exchange.c_str(), plan.routing_key.c_str(), plan.window);
  std::printf("  confirmed     %llu acked, %llu nacked, %llu returned in %.2f s\n",
              static_cast<unsigned long long>(r.acked), static_cast<unsigned long long>(r.nacked),
              static_cast<unsigned long long>(r.returned), r.seconds);
  std::printf("  throughput    %.1f msgs/s\n", rate);
  std::printf("  confirm ms    p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", lat.p50_ms, lat.p90_ms,
              lat.p99_ms, lat.max_ms);
  std::printf("  client cpu    %.2f s (%.0f %% of one core)\n", client_cpu, client_pct);

  if (!json_path.empty()) {
    json_writer j;
    j.begin_object()
        .str("tool", "rai-bench-broker")
        .str("label", label)
        .str("mode", outbound != 0 ? "outbound" : "events")
        .str("exchange", plan.exchange)
        .str("routing_key", plan.routing_key)
        .uint("size", bodies.front().size())
        .uint("window", plan.window)
        .num("target_rate", plan.rate)
        .uint("published", r.published)
        .uint("acked", r.acked)
        .uint("nacked", r.nacked)
        .uint("returned", r.returned)
        .num("seconds", r.seconds)
        .num("rate", rate)
        .num("client_cpu_s", client_cpu)
        .num("client_cpu_pct", client_pct);
    write_latency_ms(j, "confirm_latency_ms", lat);
    j.end_object();
    write_text_file(json_path, j.text());
  }
  return r.nacked == 0 && r.returned == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return rai::bench::run_main("rai-bench-broker", argc, argv, run);
}
