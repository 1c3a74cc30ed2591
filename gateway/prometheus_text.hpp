#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/metrics.hpp"

namespace rai::gateway {

// Writes the Prometheus text exposition format, version 0.0.4. Call family()
// once per metric name, then every sample of that family, before the next.
class prometheus_text {
 public:
  using labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, labels l, double value);
  void sample(std::string_view name, labels l, std::uint64_t value);
  void sample(std::string_view name, labels l, std::int64_t value);
  // _bucket (cumulative, le="..."), _sum (seconds) and _count of one histogram.
  void histogram(std::string_view name, labels l, const metrics::latency_histogram& h);

  std::string take() { return std::move(out_); }

 private:
  void series(std::string_view name, std::string_view suffix, labels l,
              std::pair<std::string_view, std::string_view> extra = {});

  std::string out_;
};

}  // namespace rai::gateway
