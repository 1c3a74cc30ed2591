#pragma once

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "gateway/metrics.hpp"
#include "handlers/events.hpp"

namespace rai::gateway {

// Counters of one inbound source. Indexes are fixed so the hot path is one
// relaxed atomic add, without lookups or locks.
struct inbound_source_metrics {
  // Event label: the five event kinds, then "unknown" (not known yet).
  static constexpr std::size_t event_labels = handlers::event_kind_count + 1;  // + "unknown"
  // Status label: the statuses the webhook service answers, then "other".
  static constexpr std::array<unsigned, 8> statuses = {200, 400, 401, 404, 405, 413, 422, 503};
  // Reason label: the 401 causes, in handlers::inbound_errc order from missing_api_key.
  static constexpr std::size_t auth_reasons = 7;

  static constexpr std::size_t status_index(unsigned status) noexcept {
    for (std::size_t i = 0; i < statuses.size(); ++i)
      if (statuses[i] == status) return i;
    return statuses.size();
  }

  std::array<std::array<metrics::counter, statuses.size() + 1>, event_labels> requests;
  std::array<metrics::counter, auth_reasons> auth_failures;
  metrics::counter duplicates;
  metrics::latency_histogram latency;
};

// One entry per source name ever configured (sources added by a reload get
// theirs then; removed ones keep their counters, as Prometheus expects).
// `unknown` counts requests that name no configured source.
class inbound_metrics {
 public:
  inbound_source_metrics& of(const std::string& source) {
    std::lock_guard lock(mu_);
    auto& slot = sources_[source];
    if (!slot) slot = std::make_unique<inbound_source_metrics>();
    return *slot;
  }
  inbound_source_metrics& unknown() noexcept { return unknown_; }

  // Calls f(name, metrics) for every source, then ("-", unknown).
  template <class F>
  void for_each(F&& f) const {
    std::lock_guard lock(mu_);
    for (const auto& [name, m] : sources_) f(std::string_view(name), *m);
    f(std::string_view("-"), unknown_);
  }

  metrics::gauge in_flight;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<inbound_source_metrics>> sources_;
  inbound_source_metrics unknown_;
};

}  // namespace rai::gateway
