#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>

#include "gateway/metrics.hpp"
#include "handlers/outbound_command.hpp"

namespace rai::gateway {

// Per-kind outbound counters (the "metrics hooks" the operations issue exposes).
struct outbound_kind_metrics {
  metrics::counter sent;       // HTTP requests made (handshakes excluded)
  metrics::counter succeeded;  // 2xx
  metrics::counter retried;    // parked in a delay queue
  // Responses by status class: index 1..5 = 1xx..5xx, 0 = no response (transport error).
  std::array<metrics::counter, 6> responses;
  // Dead-lettered by reason (index = handlers::dead_reason).
  std::array<metrics::counter, handlers::dead_reason_count> dead;
  metrics::gauge in_flight;
  metrics::latency_histogram latency;
};

// Kinds are fixed at startup (configured targets plus an "unconfigured"
// bucket), so lookups need no lock.
class outbound_metrics {
 public:
  void add_kind(const std::string& kind) {
    kinds_.emplace(kind, std::make_unique<outbound_kind_metrics>());
  }
  outbound_kind_metrics& of(std::string_view kind) {
    auto it = kinds_.find(kind);
    return it != kinds_.end() ? *it->second : unconfigured_;
  }
  const std::map<std::string, std::unique_ptr<outbound_kind_metrics>, std::less<>>& kinds() const {
    return kinds_;
  }
  const outbound_kind_metrics& unconfigured() const { return unconfigured_; }

 private:
  std::map<std::string, std::unique_ptr<outbound_kind_metrics>, std::less<>> kinds_;
  outbound_kind_metrics unconfigured_;
};

}  // namespace rai::gateway
