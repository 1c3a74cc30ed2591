#pragma once

// Internal to rai_handlers (used by inbound.cpp and the unit tests): takes an
// encrypted body apart into the candidate (iv, ciphertext, tag) readings of
// wire-format §3. No decryption happens here.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/aes.hpp"
#include "crypto/bytes.hpp"
#include "handlers/errc.hpp"
#include "handlers/source.hpp"

namespace rai::handlers {

// One way of reading the envelope. Views point into the envelope_reader that
// produced it and stay valid until its next read(). `tag` is empty for CBC.
struct envelope_candidate {
  crypto::bytes_view iv;
  crypto::bytes_view ciphertext;
  crypto::bytes_view tag;
};

// Each encoded piece has at most two readings (hex, then base64), so a layout
// with three pieces yields at most 2 * 2 * 2 candidates; raw GCM yields
// 2 readings * 2 IV lengths.
inline constexpr std::size_t max_envelope_candidates = 8;

// `auto` layout selection (§3): IV header present → header_iv; '{' as the
// first non-space byte → json; a ':' anywhere → compact; otherwise raw.
envelope_layout detect_layout(std::string_view body, bool iv_header_present) noexcept;

// Reusable: keep one per thread so its decode buffer is allocated once.
class envelope_reader {
 public:
  envelope_reader() = default;
  envelope_reader(const envelope_reader&) = delete;
  envelope_reader& operator=(const envelope_reader&) = delete;

  // Takes `body` apart. `iv_header` is the value of the source's IV header when
  // the request carried it. Errors: bad_envelope (shape, missing or non-string
  // field, no valid encoding for some piece, fewer bytes than IV + tag) and
  // mode_mismatch (json `alg`/`mode` names the other cipher). On success there
  // is at least one candidate; candidates may still have lengths the cipher
  // refuses (the caller reports those as decrypt_failed, §5).
  result<void> read(crypto::cipher_mode mode, envelope_layout layout, envelope_encoding encoding,
                    std::string_view body, std::optional<std::string_view> iv_header);

  // In try order. Valid until the next read().
  std::span<const envelope_candidate> candidates() const noexcept {
    return {candidates_.data(), count_};
  }
  // The layout read() used (auto resolved).
  envelope_layout layout() const noexcept { return layout_; }

 private:
  struct span_ref {  // a decoded reading inside storage_ (offsets survive reallocation)
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
  };
  struct piece {
    std::array<span_ref, 2> readings;
    std::uint8_t count = 0;
  };

  bool decode_piece(std::string_view text, envelope_encoding encoding, piece& out);
  crypto::bytes_view view(span_ref r) const noexcept;
  void add(crypto::bytes_view iv, crypto::bytes_view ciphertext, crypto::bytes_view tag) noexcept;
  void add_product(crypto::cipher_mode mode, const piece& iv, const piece& ct, const piece* tag);

  result<void> read_json(crypto::cipher_mode mode, envelope_encoding encoding,
                         std::string_view body);
  result<void> read_compact(crypto::cipher_mode mode, envelope_encoding encoding,
                            std::string_view body);
  result<void> read_raw(crypto::cipher_mode mode, envelope_encoding encoding,
                        std::string_view body);
  result<void> read_header_iv(crypto::cipher_mode mode, envelope_encoding encoding,
                              std::string_view body, std::optional<std::string_view> iv_header);

  std::string storage_;
  std::array<envelope_candidate, max_envelope_candidates> candidates_{};
  std::size_t count_ = 0;
  envelope_layout layout_ = envelope_layout::auto_detect;
};

namespace detail {

// Appends the decoding of `in` to `out`; on failure `out` is restored and
// false returned. Hex: even length, either case. Base64: standard and URL-safe
// alphabets, padded or unpadded, CR/LF/space/tab between characters skipped
// (line-wrapped senders), non-zero trailing bits rejected.
bool hex_decode_append(std::string_view in, std::string& out);
bool base64_decode_append(std::string_view in, std::string& out);

// Non-empty, even length, only hex digits.
bool looks_hex(std::string_view in) noexcept;

// ASCII whitespace trimmed from both ends.
std::string_view trim(std::string_view s) noexcept;

}  // namespace detail

}  // namespace rai::handlers
