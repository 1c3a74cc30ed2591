#include "tools/history.hpp"

#include <algorithm>
#include <chrono>

#include "handlers/json_text.hpp"

namespace rai::tool {
namespace {

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) noexcept {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string terminal_cell(std::optional<std::string> v) {
  if (!v || v->empty()) return "-";
  std::replace_if(
      v->begin(), v->end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  std::string out;
  handlers::append_text_escaped(out, *v);
  return out;
}

namespace {

std::optional<std::string> text(std::string_view v) {
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) noexcept {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t at = 19;
  int millis = 0;
  if (s[at] == '.') {
    ++at;
    const std::size_t first = at;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (at - first < 3) millis = millis * 10 + (s[at] - '0');
      ++at;
    }
    if (at == first) return std::nullopt;
    for (std::size_t n = at - first; n < 3; ++n) millis *= 10;
  }
  int offset_minutes = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    int oh, om;
    if (!digits(s, at + 1, 2, oh) || at + 3 >= s.size() || s[at + 3] != ':' ||
        !digits(s, at + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_minutes = (s[at] == '+' ? 1 : -1) * (oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  if (year < 1970 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                            std::chrono::day{unsigned(day)}};
  if (!date.ok()) return std::nullopt;
  const auto seconds = sys_days{date}.time_since_epoch() / 1s + hour * 3600LL + minute * 60LL +
                       std::min(second, 59) - offset_minutes * 60LL;
  if (seconds < 0) return std::nullopt;
  return seconds * 1000 + millis;
}

std::optional<std::int64_t> received_ms(const amqp::taken_message& m) {
  if (const auto at = m.header("x-received-at")) {
    if (const auto ms = parse_rfc3339_ms(*at)) return ms;
  }
  if (const auto ts = m.timestamp()) return *ts * 1000;
  return std::nullopt;
}

verdict history_filter::judge(std::optional<std::int64_t> received, std::string_view source_of,
                              std::string_view event_of) const noexcept {
  // A message without a time cannot be placed in the range: never chosen.
  if (!received || *received < since_ms) return verdict::before;
  if (*received >= until_ms) return verdict::after;
  if (source && *source != source_of) return verdict::other;
  if (event && *event != event_of) return verdict::other;
  return verdict::selected;
}

std::string history_text_header(bool with_body) {
  return with_body ? "OFFSET\tRECEIVED_AT\tID\tSOURCE\tEVENT\tBYTES\tREPLAYED_AT\tBODY"
                   : "OFFSET\tRECEIVED_AT\tID\tSOURCE\tEVENT\tBYTES\tREPLAYED_AT";
}

std::string format_history_text(const amqp::taken_message& m, bool with_body) {
  std::string out =
      terminal_cell(m.header("x-stream-offset")) + '\t' + terminal_cell(m.header("x-received-at")) +
      '\t' + terminal_cell(text(m.message_id())) + '\t' + terminal_cell(m.header("x-source")) +
      '\t' + terminal_cell(text(m.type())) + '\t' + std::to_string(m.body().size()) + '\t' +
      terminal_cell(m.header("x-replayed-at"));
  if (with_body) out += '\t' + terminal_cell(std::string(m.body()));
  return out;
}

}  // namespace rai::tool
