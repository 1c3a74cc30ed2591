// rai-gateway-tool dlq replay: dead commands back into returning.outbound, losing none.

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "amqp/session.hpp"
#include "amqp/topology.hpp"
#include "handlers/rfc3339.hpp"
#include "tools/commands.hpp"
#include "tools/dlq.hpp"

namespace rai::tool {
namespace {

constexpr const char* usage =
    R"(usage: rai-gateway-tool dlq replay (--all | --id ID [--id ID ...]) [options]

Moves dead commands from returning.outbound.dead back into returning.outbound,
through the returning.commands exchange (routing key "outbound"), with
publisher confirms. A replayed command keeps its body, message_id (its
idempotency key), type, content type, x-kind and other headers; x-attempt,
x-last-status, x-last-error and x-dead-reason are dropped, so it gets a
fresh retry budget, and x-replayed-at is added. Its dead copy is acked only
after the broker confirmed the replay: an interruption at any moment loses
nothing; at worst a command is in both queues, and Returning.AI dedupes the
second delivery by its Idempotency-Key. Commands not chosen stay dead.

  --all              replay every dead command
  --id ID            replay the command(s) with this message_id (repeatable)
  --amqp-url URL     the broker (default amqp://guest:guest@127.0.0.1:5672/;
                     a vhost goes in the path)
  --config FILE      take the broker (amqp.url or urls, tls_*) from a gateway config
  --tls-ca-file FILE amqps://: a CA (PEM) trusted besides the system store
  --tls-cert-file FILE
  --tls-key-file FILE
                     amqps://: a client certificate and its key (both or
                     neither); each --tls-* flag replaces the config's file
  --batch N          replays awaiting confirms at once (default 64)
  --timeout-ms MS    connect, each broker call and each wait for confirms
                     (default 10000)
  --pause-after-publish-ms MS
                     testing aid: wait MS after each confirmed replay before
                     acking its dead copy, so a test can interrupt a replay in
                     its narrowest window

Exit: 0 every chosen command was replayed, 1 a replay failed or an --id was
not found (the rest is reported), 2 usage error.
)";

struct replay_counts {
  std::uint64_t replayed = 0;
  std::uint64_t kept = 0;  // not chosen: still dead
  std::uint64_t failed = 0;
  std::vector<std::string> failures;
};

std::string not_replayed(amqp::publish_status s) {
  switch (s) {
    case amqp::publish_status::returned:
      return "returned unroutable (is returning.outbound bound to returning.commands with key "
             "outbound?)";
    case amqp::publish_status::nacked:
      return "nacked by the broker";
    default:
      return std::string("not confirmed (") + amqp::to_string(s) + ")";
  }
}

struct replay_run {
  amqp::session& session;
  std::chrono::milliseconds pause;
  replay_counts counts;
  std::vector<amqp::taken_message> held;       // published, dead copy not yet acked
  std::vector<amqp::publish_status> outcomes;  // of held[i]'s replay, set by its confirm

  // Republishes `m` and holds it until its confirm.
  outcome<void> publish(amqp::taken_message m) {
    const std::size_t i = held.size();
    outcomes.push_back(amqp::publish_status::unavailable);
    amqp::republish_edit edit;
    edit.drop_header = dropped_on_replay;
    edit.add_headers.emplace_back(replayed_at_header,
                                  handlers::rfc3339_utc(std::chrono::system_clock::now()));
    auto sent =
        session.republish(m, amqp::names::commands_exchange, amqp::names::outbound_routing_key,
                          edit, [this, i](amqp::publish_status s) { outcomes[i] = s; });
    if (!sent) return op_error(sent.error().text);
    held.push_back(std::move(m));
    return {};
  }

  // Waits for every held replay's confirm, then acks the dead copies of the
  // confirmed ones. A copy not acked goes back to the dead queue.
  outcome<void> settle() {
    if (held.empty()) return {};
    if (auto r = session.await_confirms(); !r) {
      return op_error(r.error().text + "; the " + std::to_string(held.size()) +
                      " unconfirmed replay(s) stay in the dead queue too");
    }
    for (std::size_t i = 0; i < held.size(); ++i) {
      if (outcomes[i] != amqp::publish_status::confirmed) {
        ++counts.failed;
        counts.failures.push_back(std::string(held[i].message_id()) + ": " +
                                  not_replayed(outcomes[i]));
        continue;
      }
      if (pause.count() > 0) std::this_thread::sleep_for(pause);
      if (auto r = session.ack(held[i]); !r) return op_error(r.error().text);
      ++counts.replayed;
    }
    held.clear();
    outcomes.clear();
    return {};
  }
};

outcome<replay_selection> selection_from(const parsed_args& a) {
  const auto ids = a.all("--id");
  if (a.has("--all") == !ids.empty()) return usage_error("give either --all or --id ID");
  for (const auto& id : ids) {
    if (id.empty()) return usage_error("--id must not be empty");
  }
  return a.has("--all") ? replay_selection::everything() : replay_selection::ids(ids);
}

outcome<void> replay(replay_run& run, replay_selection& selection, std::uint64_t batch) {
  const auto ready = run.session.ready_count(amqp::names::dead_queue);
  if (!ready) return op_error(ready.error().text);
  if (auto r = run.session.enable_confirms(); !r) return op_error(r.error().text);
  // At most the messages present at the start: a replayed command that the
  // gateway dead-letters again at once is not replayed a second time.
  for (std::uint32_t scanned = 0; scanned < *ready; ++scanned) {
    auto m = run.session.get(amqp::names::dead_queue);
    if (!m) return op_error(m.error().text);
    if (!*m) break;
    if (!selection.choose((*m)->message_id())) {
      ++run.counts.kept;  // left unacked: back in the dead queue when the channel closes
      continue;
    }
    if (auto r = run.publish(std::move(**m)); !r) return r;
    if (run.held.size() >= batch) {
      if (auto r = run.settle(); !r) return r.error();
    }
  }
  return run.settle();
}

void print_counts(const replay_counts& c, const std::vector<std::string>& missing) {
  std::printf("replayed %llu dead command(s) into %s; %llu left in %s (not chosen); %llu failed\n",
              static_cast<unsigned long long>(c.replayed), amqp::names::outbound_queue,
              static_cast<unsigned long long>(c.kept), amqp::names::dead_queue,
              static_cast<unsigned long long>(c.failed));
  std::fflush(stdout);
  for (const auto& f : c.failures) std::fprintf(stderr, "  not replayed: %s\n", f.c_str());
  for (const auto& id : missing)
    std::fprintf(stderr, "  not found in the dead queue: %s\n", id.c_str());
}

outcome<void> run(const parsed_args& a) {
  auto selection = selection_from(a);
  if (!selection) return selection.error();
  const auto broker = broker_from(a, "rai-gateway-tool dlq replay");
  if (!broker) return broker.error();
  const auto batch = number_flag(a, "--batch", 64, 1, 10'000);
  if (!batch) return batch.error();
  const auto pause = number_flag(a, "--pause-after-publish-ms", 0, 0, 3'600'000);
  if (!pause) return pause.error();

  auto session = amqp::session::open(*broker);
  if (!session) return op_error(session.error().text);
  replay_run state{*session, std::chrono::milliseconds(*pause), {}, {}, {}};
  const auto done = replay(state, *selection, *batch);
  session->close();  // whatever was not acked returns to the dead queue
  state.held.clear();
  const auto missing = selection->missing();
  print_counts(state.counts, missing);
  if (!done) return done.error();
  if (state.counts.failed != 0) return op_error("some dead commands could not be replayed");
  if (!missing.empty()) return op_error("some --id values were not in the dead queue");
  return {};
}

}  // namespace

int run_dlq_replay(std::span<const std::string_view> args) {
  const arg_spec spec{{"--id", "--amqp-url", "--config", "--tls-ca-file", "--tls-cert-file",
                       "--tls-key-file", "--batch", "--timeout-ms", "--pause-after-publish-ms"},
                      {"--all"}};
  return run_command("dlq replay", args, spec, usage, run);
}

}  // namespace rai::tool
