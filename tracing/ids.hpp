#pragma once

// Random trace and span ids (W3C Trace Context §3.2.2.3/§3.2.2.4: random,
// never all zero). Not a CSPRNG: ids only need to be unique, and a request
// must not wait on a lock or a system call for them. One generator per
// thread (the gateway keeps a thread_local one, seeded from the OS).

#include <cstdint>

#include "tracing/trace_context.hpp"

namespace rai::tracing {

// xoshiro256** (Blackman & Vigna), its state spread from one 64-bit seed by
// splitmix64. Not thread-safe: one per thread.
class id_generator {
 public:
  explicit id_generator(std::uint64_t seed) noexcept;

  trace_id next_trace_id() noexcept;
  span_id next_span_id() noexcept;

 private:
  std::uint64_t next() noexcept;
  std::uint64_t s_[4];
};

}  // namespace rai::tracing
