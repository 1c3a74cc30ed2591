#pragma once

// Exact latency percentiles from every sample (nanoseconds). A run of a few
// hundred thousand requests is a few MB of samples, so nothing is bucketed.

#include <cstdint>
#include <string_view>
#include <vector>

#include "bench/json_writer.hpp"

namespace rai::bench {

struct latency_summary {
  std::uint64_t count = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// Sorts `samples_ns` in place. Percentile q is the smallest sample with at
// least q of all samples at or below it (nearest rank).
latency_summary summarize(std::vector<std::uint64_t>& samples_ns);

// Writes `s` as the object `key`: {"mean","p50","p90","p99","p999","max"},
// in milliseconds, the shape every results file uses.
void write_latency_ms(json_writer& j, std::string_view key, const latency_summary& s);

}  // namespace rai::bench
