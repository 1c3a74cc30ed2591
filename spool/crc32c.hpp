#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace rai::spool {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
// final xor 0xFFFFFFFF), as used by iSCSI (RFC 3720), ext4 and LevelDB.
// Table-driven, eight bytes per step; pure and thread-safe.
std::uint32_t crc32c(std::span<const std::byte> data) noexcept;

// Continues a CRC over more data: crc32c_extend(crc32c(a), b) == crc32c(a + b),
// and crc32c_extend(0, a) == crc32c(a).
std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> data) noexcept;

}  // namespace rai::spool
