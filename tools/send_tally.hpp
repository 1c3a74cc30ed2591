#pragma once

// What `send` got back, counted across worker threads, and its summary.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rai::tool {

// True when a 200 body is the gateway's {"status":"accepted",...,"duplicate":true}.
bool is_duplicate_reply(std::string_view body);

class send_tally {
 public:
  explicit send_tally(std::size_t max_examples = 10) : max_examples_(max_examples) {}

  void reply(std::string_view id, unsigned status, std::string_view body);
  void transport_error(std::string_view id, std::string_view error);

  struct totals {
    std::uint64_t accepted = 0;               // 200, first delivery
    std::uint64_t duplicates = 0;             // 200 with "duplicate": true
    std::map<unsigned, std::uint64_t> other;  // status -> count
    std::uint64_t transport_errors = 0;
    std::vector<std::string> examples;  // the first few failures, one line each
  };
  totals snapshot() const;

 private:
  mutable std::mutex mu_;
  totals t_;
  std::size_t max_examples_;
};

// Several lines: the counts by outcome and the first failures.
std::string format_summary(const send_tally::totals& t, std::uint64_t sent, double seconds);

bool all_succeeded(const send_tally::totals& t) noexcept;

}  // namespace rai::tool
