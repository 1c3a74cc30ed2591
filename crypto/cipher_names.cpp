#include "crypto/cipher_names.hpp"

namespace rai::crypto {
namespace {

// Longer spellings cannot name a mode; refusing them early bounds the work.
constexpr std::size_t max_folded_length = 16;

// ASCII letters lowercased, '-' and '_' dropped: "AES_256-gcm" → "aes256gcm".
// nullopt when the folded text would not fit.
struct folded {
  std::array<char, max_folded_length> buf{};
  std::size_t size = 0;
  std::string_view view() const noexcept { return {buf.data(), size}; }
};

std::optional<folded> fold(std::string_view text) noexcept {
  folded out;
  for (const char c : text) {
    if (c == '-' || c == '_') continue;
    if (out.size == out.buf.size()) return std::nullopt;
    out.buf[out.size++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// The canonical name without its separators and without "aes-256-".
std::string_view short_name(cipher_mode m) noexcept {
  return cipher_mode_name(m).substr(std::string_view("aes-256-").size());
}

}  // namespace

std::string_view cipher_mode_name(cipher_mode m) noexcept {
  return names::name_of(std::span<const names::name_entry<cipher_mode>>(cipher_mode_names), m);
}

std::optional<cipher_mode> cipher_mode_from_name(std::string_view text) noexcept {
  return names::value_of(std::span<const names::name_entry<cipher_mode>>(cipher_mode_names), text);
}

std::optional<cipher_mode> cipher_mode_from_loose_name(std::string_view text) noexcept {
  const auto given = fold(text);
  if (!given) return std::nullopt;
  for (const auto& e : cipher_mode_names) {
    const auto canonical = fold(e.name);
    if (given->view() == canonical->view() || given->view() == short_name(e.value)) return e.value;
  }
  return std::nullopt;
}

}  // namespace rai::crypto
