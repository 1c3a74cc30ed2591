#include "amqp/settings.hpp"

#include <algorithm>

namespace rai::amqp {

std::uint64_t history_segment_bytes(std::uint64_t max_bytes) noexcept {
  constexpr std::uint64_t min_segment = 1'000'000;
  constexpr std::uint64_t max_segment = 100'000'000;
  return std::clamp(max_bytes / 10, min_segment, max_segment);
}

bool valid_history_max_age(std::string_view text) noexcept {
  if (text.size() < 2 || text.size() > 10) return false;
  const std::string_view digits = text.substr(0, text.size() - 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return false;
  if (std::all_of(digits.begin(), digits.end(), [](char ch) { return ch == '0'; })) return false;
  return std::string_view("YMDhms").find(text.back()) != std::string_view::npos;
}

}  // namespace rai::amqp
