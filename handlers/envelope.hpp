#pragma once

// Internal to rai_handlers (used by inbound.cpp, envelope_diagnosis.cpp and
// the unit tests): takes an encrypted body apart into the candidate (iv,
// ciphertext, tag) readings of docs/wire-format.md §3. No decryption happens here.

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

// Why read() refused a body, in detail (envelope_reader::refusal()): the
// gateway answers bad_envelope or mode_mismatch; an operator's tool names the
// cause (diagnose_envelope, handlers/envelope_diagnosis.hpp).
enum class envelope_fault : std::uint8_t {
  none,
  too_large,           // beyond what the reader's 32-bit offsets address
  not_json_object,     // json: the body is not a JSON object
  mode_mismatch,       // json: its "alg"/"mode" field names the other cipher
  missing_iv,          // json: no "iv" field with a string value
  missing_ciphertext,  // json: none of ciphertext_field_names with a string value
  missing_tag,         // json, GCM: none of tag_field_names with a string value
  wrong_part_count,    // compact: not iv:ciphertext[:tag]
  bad_encoding,        // a piece decodes in none of the allowed encodings
  too_short,           // raw, header-iv: fewer bytes than the IV and/or tag
  missing_iv_header,   // header-iv: the request carried no IV header
};

// The encoded pieces of an envelope. `body`: a raw body, or the body of the
// header-iv layout (ciphertext and tag); `iv` there is the IV header's value.
enum class envelope_piece : std::uint8_t { iv, ciphertext, tag, body };

struct envelope_refusal {
  envelope_fault fault = envelope_fault::none;
  envelope_piece piece = envelope_piece::body;  // bad_encoding, too_short
  // json: the field of that piece, or the field of mode_mismatch ("alg" or
  // "mode"). Points to static text.
  std::string_view field{};
  crypto::cipher_mode named_mode = crypto::cipher_mode::aes_256_gcm;  // mode_mismatch
  std::size_t found = 0;   // wrong_part_count: parts; too_short: bytes of the longest reading
  std::size_t wanted = 0;  // wrong_part_count: parts; too_short: bytes needed
};

// The json layout's field aliases, in preference order (docs/wire-format.md §3).
std::span<const std::string_view> ciphertext_field_names() noexcept;
std::span<const std::string_view> tag_field_names() noexcept;

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
  // Why the last read() failed (fault none after a success). Only its
  // failure paths fill it in, so reading stays as fast as without it.
  const envelope_refusal& refusal() const noexcept { return refusal_; }

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
  result<void> refuse(const envelope_refusal& r) noexcept;
  result<void> refuse_encoding(envelope_piece p, std::string_view field = {}) noexcept;
  std::size_t longest(const piece& p) const noexcept;
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
  envelope_refusal refusal_;
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
