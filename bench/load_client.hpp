#pragma once

// The sending side of rai-bench-load: N keep-alive HTTP/1.1 connections,
// spread over T threads that each run their own io_context (one thread by
// default: on a 2-core machine shared with the gateway and the broker, the
// cheapest client is one event loop). Each connection is a coroutine that
// sends one request, reads the whole response, and goes again. Each request
// is sealed just before it is sent, with its own payload id (load_requests.hpp).
//
// Closed loop (rate = 0): latency is measured from the write to the end of
// the response. Open loop (rate > 0): request i is due at start + i / rate,
// taken by whichever connection is free, and its latency runs from that due
// time, so a stalled server is charged for the requests it held back
// (no coordinated omission).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/load_requests.hpp"

namespace rai::bench {

struct load_plan {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::size_t connections = 32;
  unsigned threads = 1;
  std::chrono::nanoseconds duration{0};  // 0: until `count`
  std::uint64_t count = 0;               // 0: until `duration`
  std::chrono::nanoseconds warmup{0};    // sent, answered and counted, but not timed
  double rate = 0;                       // requests/s over all connections; 0: closed loop
  std::chrono::nanoseconds stall_timeout = std::chrono::seconds(10);
  bool keep_ids = false;  // collect the ids answered 200
};

struct load_result {
  std::vector<std::uint64_t> latencies_ns;  // measured requests (any HTTP status)
  std::array<std::uint64_t, 600> status{};  // every response, by status (599: above)
  std::uint64_t sent = 0;                   // requests written
  std::uint64_t answered = 0;               // responses read
  std::uint64_t duplicates = 0;             // 200s with "duplicate":true
  std::uint64_t connect_errors = 0;
  std::uint64_t write_errors = 0;
  std::uint64_t read_errors = 0;          // reset / EOF / bad response
  std::uint64_t timeouts = 0;             // requests abandoned by the stall watchdog
  std::uint64_t seal_errors = 0;          // requests that could not be sealed (none expected)
  double measured_seconds = 0;            // warm-up end → last measured response
  double wall_seconds = 0;                // start → last response
  std::vector<std::string> accepted_ids;  // keep_ids: ids answered 200
};

// Connects every connection first (throws std::runtime_error when one cannot
// connect), then starts the clock.
load_result run_load(const prepared_requests& requests, const load_plan& plan);

}  // namespace rai::bench
