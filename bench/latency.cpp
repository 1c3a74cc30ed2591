#include "bench/latency.hpp"

#include <algorithm>
#include <cmath>

namespace rai::bench {
namespace {

double ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

std::uint64_t rank(const std::vector<std::uint64_t>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  auto i = static_cast<std::size_t>(std::ceil(q * n));
  i = std::clamp<std::size_t>(i, 1, sorted.size());
  return sorted[i - 1];
}

}  // namespace

latency_summary summarize(std::vector<std::uint64_t>& samples_ns) {
  latency_summary s;
  s.count = samples_ns.size();
  if (samples_ns.empty()) return s;
  std::sort(samples_ns.begin(), samples_ns.end());
  long double total = 0;
  for (const std::uint64_t v : samples_ns) total += v;
  s.mean_ms = static_cast<double>(total / samples_ns.size()) / 1e6;
  s.p50_ms = ms(rank(samples_ns, 0.50));
  s.p90_ms = ms(rank(samples_ns, 0.90));
  s.p99_ms = ms(rank(samples_ns, 0.99));
  s.p999_ms = ms(rank(samples_ns, 0.999));
  s.max_ms = ms(samples_ns.back());
  return s;
}

void write_latency_ms(json_writer& j, std::string_view key, const latency_summary& s) {
  j.begin_object(key)
      .num("mean", s.mean_ms)
      .num("p50", s.p50_ms)
      .num("p90", s.p90_ms)
      .num("p99", s.p99_ms)
      .num("p999", s.p999_ms)
      .num("max", s.max_ms)
      .end_object();
}

}  // namespace rai::bench
