#include "tools/send_tally.hpp"

#include <simdjson.h>

#include <cstdio>

namespace rai::tool {
namespace {

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (const char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  return out;
}

}  // namespace

bool is_duplicate_reply(std::string_view body) {
  simdjson::dom::parser parser;
  bool duplicate = false;
  const auto doc = parser.parse(body.data(), body.size(), true);
  return !doc["duplicate"].get_bool().get(duplicate) && duplicate;
}

void send_tally::reply(std::string_view id, unsigned status, std::string_view body) {
  const bool duplicate = status == 200 && is_duplicate_reply(body);
  std::lock_guard lock(mu_);
  if (status == 200) {
    ++(duplicate ? t_.duplicates : t_.accepted);
    return;
  }
  ++t_.other[status];
  if (t_.examples.size() < max_examples_) {
    t_.examples.push_back("event " + std::string(id) + ": " + std::to_string(status) + " " +
                          printable(body, 200));
  }
}

void send_tally::transport_error(std::string_view id, std::string_view error) {
  std::lock_guard lock(mu_);
  ++t_.transport_errors;
  if (t_.examples.size() < max_examples_) {
    t_.examples.push_back("event " + std::string(id) + ": " + std::string(error));
  }
}

send_tally::totals send_tally::snapshot() const {
  std::lock_guard lock(mu_);
  return t_;
}

bool all_succeeded(const send_tally::totals& t) noexcept {
  return t.other.empty() && t.transport_errors == 0;
}

std::string format_summary(const send_tally::totals& t, std::uint64_t sent, double seconds) {
  char head[160];
  std::snprintf(head, sizeof head, "sent %llu event(s) in %.2f s (%.1f/s)\n",
                static_cast<unsigned long long>(sent), seconds,
                seconds > 0 ? static_cast<double>(sent) / seconds : 0.0);
  std::string out = head;
  out += "  200 accepted:     " + std::to_string(t.accepted) + "\n";
  out += "  200 duplicate:    " + std::to_string(t.duplicates) + "\n";
  out += "  other statuses:   ";
  if (t.other.empty()) out += "none";
  bool first = true;
  for (const auto& [status, count] : t.other) {
    if (!first) out += ", ";
    first = false;
    out += std::to_string(status) + " x" + std::to_string(count);
  }
  out += "\n  transport errors: " + std::to_string(t.transport_errors) + "\n";
  for (const auto& e : t.examples) out += "  " + e + "\n";
  return out;
}

}  // namespace rai::tool
