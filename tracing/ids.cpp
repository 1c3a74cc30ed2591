#include "tracing/ids.hpp"

namespace rai::tracing {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

template <std::size_t N>
void store(std::array<std::uint8_t, N>& out, std::size_t at, std::uint64_t v) noexcept {
  for (std::size_t i = 0; i < 8 && at + i < N; ++i)
    out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

}  // namespace

id_generator::id_generator(std::uint64_t seed) noexcept {
  for (auto& s : s_) s = splitmix64(seed);  // splitmix64 never yields an all-zero state
}

std::uint64_t id_generator::next() noexcept {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

trace_id id_generator::next_trace_id() noexcept {
  trace_id id;
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  while ((hi | lo) == 0) {  // all zero is invalid; practically never loops
    hi = next();
    lo = next();
  }
  store(id, 0, hi);
  store(id, 8, lo);
  return id;
}

span_id id_generator::next_span_id() noexcept {
  span_id id;
  std::uint64_t v = 0;
  while (v == 0) v = next();
  store(id, 0, v);
  return id;
}

}  // namespace rai::tracing
