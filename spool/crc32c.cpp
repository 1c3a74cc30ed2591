#include "spool/crc32c.hpp"

#include <array>

namespace rai::spool {

namespace {

constexpr std::uint32_t k_polynomial = 0x82F63B78u;  // reflected Castagnoli
constexpr std::size_t k_slices = 8;

using crc_tables = std::array<std::array<std::uint32_t, 256>, k_slices>;

// tables[0] advances the CRC by one byte; tables[k][b] is the effect of byte b
// followed by k zero bytes, so eight lookups advance it by eight bytes.
constexpr crc_tables make_tables() {
  crc_tables t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) != 0 ? k_polynomial : 0u);
    t[0][b] = crc;
  }
  for (std::size_t k = 1; k < k_slices; ++k) {
    for (std::size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFFu];
  }
  return t;
}

constexpr crc_tables k_tables = make_tables();

constexpr std::uint32_t load_le32(const std::byte* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept {
  const std::byte* p = data.data();
  std::size_t n = data.size();
  crc = ~crc;
  for (; n >= k_slices; n -= k_slices, p += k_slices) {
    const std::uint32_t lo = crc ^ load_le32(p);
    const std::uint32_t hi = load_le32(p + 4);
    crc = k_tables[7][lo & 0xFFu] ^ k_tables[6][(lo >> 8) & 0xFFu] ^
          k_tables[5][(lo >> 16) & 0xFFu] ^ k_tables[4][lo >> 24] ^ k_tables[3][hi & 0xFFu] ^
          k_tables[2][(hi >> 8) & 0xFFu] ^ k_tables[1][(hi >> 16) & 0xFFu] ^ k_tables[0][hi >> 24];
  }
  for (; n > 0; --n, ++p) {
    crc = (crc >> 8) ^ k_tables[0][(crc ^ static_cast<std::uint32_t>(*p)) & 0xFFu];
  }
  return ~crc;
}

std::uint32_t crc32c(std::span<const std::byte> data) noexcept {
  return crc32c_extend(0, data);
}

}  // namespace rai::spool
