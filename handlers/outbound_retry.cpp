#include "handlers/outbound_retry.hpp"

#include <algorithm>
#include <array>

namespace rai::handlers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// --- small text helpers (ASCII only, no locale) -------------------------------------

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A cursor over the date text. Every take_* consumes on success only.
class cursor {
 public:
  explicit cursor(std::string_view s) noexcept : s_(s) {}

  bool done() const noexcept { return s_.empty(); }

  bool literal(std::string_view lit) noexcept {
    if (!iequals(s_.substr(0, lit.size()), lit)) return false;
    s_.remove_prefix(lit.size());
    return true;
  }

  // Exactly n digits.
  bool digits(std::size_t n, int& out) noexcept {
    if (s_.size() < n) return false;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (!is_digit(s_[i])) return false;
      v = v * 10 + (s_[i] - '0');
    }
    s_.remove_prefix(n);
    out = v;
    return true;
  }

  // asctime day: two digits, or a space then one digit.
  bool asctime_day(int& out) noexcept {
    if (s_.size() >= 2 && s_[0] == ' ' && is_digit(s_[1])) {
      out = s_[1] - '0';
      s_.remove_prefix(2);
      return true;
    }
    return digits(2, out);
  }

  // One of `names` (case-insensitive); out = its index.
  template <std::size_t N>
  bool one_of(const std::array<std::string_view, N>& names, int& out) noexcept {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        out = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view s_;
};

constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> short_days = {"Mon", "Tue", "Wed", "Thu",
                                                        "Fri", "Sat", "Sun"};
// Longest first is unnecessary: no full name is a prefix of another.
constexpr std::array<std::string_view, 7> long_days = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

struct civil_time {
  int year = 0;
  int month = 0;  // 1..12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

bool time_of_day(cursor& c, civil_time& t) noexcept {
  return c.digits(2, t.hour) && c.literal(":") && c.digits(2, t.minute) && c.literal(":") &&
         c.digits(2, t.second);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
bool parse_imf_fixdate(std::string_view s, civil_time& t) noexcept {
  cursor c(s);
  int ignored = 0;
  if (!(c.one_of(short_days, ignored) && c.literal(", ") && c.digits(2, t.day) && c.literal(" ") &&
        c.one_of(month_names, t.month) && c.literal(" ") && c.digits(4, t.year) && c.literal(" ") &&
        time_of_day(c, t) && c.literal(" GMT"))) {
    return false;
  }
  t.month += 1;
  return c.done();
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
bool parse_rfc850(std::string_view s, int now_year, civil_time& t) noexcept {
  cursor c(s);
  int ignored = 0;
  int yy = 0;
  if (!(c.one_of(long_days, ignored) && c.literal(", ") && c.digits(2, t.day) && c.literal("-") &&
        c.one_of(month_names, t.month) && c.literal("-") && c.digits(2, yy) && c.literal(" ") &&
        time_of_day(c, t) && c.literal(" GMT"))) {
    return false;
  }
  t.month += 1;
  // RFC 9110 §5.6.7: a two-digit year that appears to be more than 50 years in
  // the future is the most recent past year with the same last two digits.
  t.year = now_year - now_year % 100 + yy;
  if (t.year > now_year + 50) t.year -= 100;
  return c.done();
}

// "Sun Nov  6 08:49:37 1994"
bool parse_asctime(std::string_view s, civil_time& t) noexcept {
  cursor c(s);
  int ignored = 0;
  if (!(c.one_of(short_days, ignored) && c.literal(" ") && c.one_of(month_names, t.month) &&
        c.literal(" ") && c.asctime_day(t.day) && c.literal(" ") && time_of_day(c, t) &&
        c.literal(" ") && c.digits(4, t.year))) {
    return false;
  }
  t.month += 1;
  return c.done();
}

// Checks the calendar date and the clock, then converts (UTC, no time zone
// database, no locale). A leap second (:60) counts as the next second.
std::optional<std::chrono::sys_seconds> to_sys_seconds(const civil_time& t) noexcept {
  const std::chrono::year_month_day ymd{std::chrono::year{t.year},
                                        std::chrono::month{static_cast<unsigned>(t.month)},
                                        std::chrono::day{static_cast<unsigned>(t.day)}};
  if (!ymd.ok() || t.hour > 23 || t.minute > 59 || t.second > 60) return std::nullopt;
  return std::chrono::sys_days{ymd} + std::chrono::hours{t.hour} + std::chrono::minutes{t.minute} +
         seconds{t.second};
}

int year_of(std::chrono::system_clock::time_point now) noexcept {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(now)};
  return static_cast<int>(ymd.year());
}

}  // namespace

send_outcome classify_status(unsigned status) noexcept {
  if (status >= 200 && status <= 299) return send_outcome::delivered;
  if (status >= 500 && status <= 599) return send_outcome::retry;
  if (status == 408 || status == 425 || status == 429) return send_outcome::retry;
  return send_outcome::reject;
}

std::optional<seconds> parse_retry_after(std::string_view value,
                                         std::chrono::system_clock::time_point now) {
  const std::string_view v = trim_ows(value);
  if (v.empty()) return std::nullopt;

  if (std::all_of(v.begin(), v.end(), is_digit)) {
    std::int64_t n = 0;
    const std::int64_t cap = max_retry_after.count();
    for (const char c : v) {
      n = n * 10 + (c - '0');
      if (n >= cap) return max_retry_after;  // keeps reading any length without overflow
    }
    return seconds{n};
  }

  civil_time t;
  const bool parsed =
      parse_imf_fixdate(v, t) || parse_rfc850(v, year_of(now), t) || parse_asctime(v, t);
  if (!parsed) return std::nullopt;
  const auto when = to_sys_seconds(t);
  if (!when) return std::nullopt;
  const auto now_s = std::chrono::floor<seconds>(now);
  if (*when <= now_s) return seconds{0};
  return std::min<seconds>(*when - now_s, max_retry_after);
}

std::optional<std::string> validate(const retry_schedule& s) {
  if (s.steps.empty()) return std::string("retry schedule must have at least one step");
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    if (s.steps[i] <= milliseconds::zero()) {
      return "retry schedule step " + std::to_string(i + 1) + " must be positive";
    }
  }
  return std::nullopt;
}

retry_decision next_retry(const retry_schedule& schedule, std::span<const milliseconds> rungs,
                          unsigned attempts_so_far, std::optional<seconds> retry_after,
                          std::uint64_t random) noexcept {
  if (attempts_so_far >= schedule.steps.size() || rungs.empty()) {
    return {true, milliseconds{0}, 0};
  }
  const std::int64_t step = std::max<std::int64_t>(schedule.steps[attempts_so_far].count(), 0);

  // Uniform in [0, step]: the high 64 bits of random * (step + 1).
  const unsigned __int128 product =
      static_cast<unsigned __int128>(random) * (static_cast<unsigned __int128>(step) + 1);
  milliseconds wanted{static_cast<std::int64_t>(product >> 64)};
  if (retry_after && *retry_after > wanted) wanted = *retry_after;

  // Smallest rung >= wanted; the largest rung when none is. Does not rely on
  // the ladder being sorted.
  std::size_t best = rungs.size();
  std::size_t largest = 0;
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    const auto r = rungs[i];
    if (r > rungs[largest]) largest = i;
    if (r >= wanted && (best == rungs.size() || r < rungs[best])) best = i;
  }
  if (best == rungs.size()) best = largest;
  return {false, rungs[best], best};
}

}  // namespace rai::handlers
