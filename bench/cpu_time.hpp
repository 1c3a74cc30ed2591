#pragma once

// CPU seconds (user + system) this process has used so far, for reporting how
// much of the shared cores a benchmark client took.

#include <sys/resource.h>

namespace rai::bench {

inline double process_cpu_seconds() noexcept {
  rusage u{};
  if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

}  // namespace rai::bench
