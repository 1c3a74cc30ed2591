#include "handlers/envelope.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <simdjson.h>

#include "crypto/cipher_names.hpp"

namespace rai::handlers {
namespace {

using crypto::bytes_view;
using crypto::cipher_mode;

constexpr std::size_t gcm_short_iv = 12;
constexpr std::size_t gcm_long_iv = 16;

result<void> fail(inbound_errc e) {
  return make_error_code(e);
}

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Base64 decode table: 0-63 sextet, pad, space (skipped) or invalid.
constexpr std::uint8_t b64_pad = 64;
constexpr std::uint8_t b64_space = 65;
constexpr std::uint8_t b64_bad = 255;

constexpr std::array<std::uint8_t, 256> make_b64_table() {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = b64_bad;
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<std::uint8_t>(i);
    t['a' + i] = static_cast<std::uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<std::uint8_t>(52 + i);
  t['+'] = 62;
  t['-'] = 62;
  t['/'] = 63;
  t['_'] = 63;
  t['='] = b64_pad;
  t[' '] = b64_space;
  t['\t'] = b64_space;
  t['\r'] = b64_space;
  t['\n'] = b64_space;
  return t;
}
constexpr std::array<std::uint8_t, 256> b64_table = make_b64_table();

// The envelope's own parser: the body is parsed (into the parser's reusable
// padded buffer) only to lift out a few strings, which are decoded at once.
simdjson::dom::parser& envelope_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

constexpr std::array<std::string_view, 5> ciphertext_fields = {
    "data", "ciphertext", "encryptedData", "encrypted", "content"};
constexpr std::array<std::string_view, 3> tag_fields = {"tag", "authTag", "auth_tag"};

template <std::size_t N>
int field_index(const std::array<std::string_view, N>& names, std::string_view key) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == key) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::span<const std::string_view> ciphertext_field_names() noexcept {
  return ciphertext_fields;
}

std::span<const std::string_view> tag_field_names() noexcept {
  return tag_fields;
}

namespace detail {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool looks_hex(std::string_view in) noexcept {
  if (in.empty() || in.size() % 2 != 0) return false;
  for (const char c : in) {
    if (hex_value(c) < 0) return false;
  }
  return true;
}

bool hex_decode_append(std::string_view in, std::string& out) {
  if (in.size() % 2 != 0) return false;
  const std::size_t old = out.size();
  out.resize(old + in.size() / 2);
  char* p = out.data() + old;
  for (std::size_t i = 0; i < in.size(); i += 2) {
    const int hi = hex_value(in[i]);
    const int lo = hex_value(in[i + 1]);
    if (hi < 0 || lo < 0) {
      out.resize(old);
      return false;
    }
    *p++ = static_cast<char>((hi << 4) | lo);
  }
  return true;
}

bool base64_decode_append(std::string_view in, std::string& out) {
  const std::size_t old = out.size();
  out.resize(old + (in.size() / 4) * 3 + 3);
  char* p = out.data() + old;
  std::uint32_t acc = 0;
  int k = 0;  // sextets in the current quantum
  std::size_t pads = 0;
  const auto bad = [&] {
    out.resize(old);
    return false;
  };
  for (const char c : in) {
    const std::uint8_t v = b64_table[static_cast<unsigned char>(c)];
    if (v < 64) {
      if (pads != 0) return bad();  // data after padding
      acc = (acc << 6) | v;
      if (++k == 4) {
        *p++ = static_cast<char>(acc >> 16);
        *p++ = static_cast<char>(acc >> 8);
        *p++ = static_cast<char>(acc);
        acc = 0;
        k = 0;
      }
    } else if (v == b64_pad) {
      ++pads;
    } else if (v != b64_space) {
      return bad();
    }
  }
  if (pads > 2 || k == 1) return bad();
  if (pads != 0 && k + static_cast<int>(pads) != 4) return bad();
  if (k == 2) {
    if ((acc & 0xF) != 0) return bad();
    *p++ = static_cast<char>(acc >> 4);
  } else if (k == 3) {
    if ((acc & 0x3) != 0) return bad();
    *p++ = static_cast<char>(acc >> 10);
    *p++ = static_cast<char>(acc >> 2);
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
  return true;
}

}  // namespace detail

envelope_layout detect_layout(std::string_view body, bool iv_header_present) noexcept {
  if (iv_header_present) return envelope_layout::header_iv;
  const std::string_view t = detail::trim(body);
  if (!t.empty() && t.front() == '{') return envelope_layout::json;
  if (t.find(':') != std::string_view::npos) return envelope_layout::compact;
  return envelope_layout::raw;
}

bytes_view envelope_reader::view(span_ref r) const noexcept {
  return {reinterpret_cast<const std::uint8_t*>(storage_.data()) + r.offset, r.size};
}

void envelope_reader::add(bytes_view iv, bytes_view ciphertext, bytes_view tag) noexcept {
  if (count_ < candidates_.size()) candidates_[count_++] = {iv, ciphertext, tag};
}

result<void> envelope_reader::refuse(const envelope_refusal& r) noexcept {
  refusal_ = r;
  return fail(r.fault == envelope_fault::mode_mismatch ? inbound_errc::mode_mismatch
                                                       : inbound_errc::bad_envelope);
}

result<void> envelope_reader::refuse_encoding(envelope_piece p, std::string_view field) noexcept {
  return refuse({.fault = envelope_fault::bad_encoding, .piece = p, .field = field});
}

std::size_t envelope_reader::longest(const piece& p) const noexcept {
  std::size_t n = 0;
  for (std::uint8_t r = 0; r < p.count; ++r) n = std::max<std::size_t>(n, p.readings[r].size);
  return n;
}

bool envelope_reader::decode_piece(std::string_view text, envelope_encoding encoding, piece& out) {
  text = detail::trim(text);
  out.count = 0;
  const auto try_decode = [&](bool hex) {
    const std::size_t before = storage_.size();
    const bool ok = hex ? detail::hex_decode_append(text, storage_)
                        : detail::base64_decode_append(text, storage_);
    if (ok) {
      out.readings[out.count++] = {static_cast<std::uint32_t>(before),
                                   static_cast<std::uint32_t>(storage_.size() - before)};
    }
  };
  switch (encoding) {
    case envelope_encoding::hex:
      try_decode(true);
      break;
    case envelope_encoding::base64:
      try_decode(false);
      break;
    case envelope_encoding::auto_detect:
      if (detail::looks_hex(text)) try_decode(true);
      try_decode(false);
      break;
  }
  return out.count != 0;
}

void envelope_reader::add_product(cipher_mode mode, const piece& iv, const piece& ct,
                                  const piece* tag) {
  for (std::uint8_t i = 0; i < iv.count; ++i) {
    for (std::uint8_t c = 0; c < ct.count; ++c) {
      if (mode == cipher_mode::aes_256_cbc || tag == nullptr) {
        add(view(iv.readings[i]), view(ct.readings[c]), {});
        continue;
      }
      for (std::uint8_t t = 0; t < tag->count; ++t) {
        add(view(iv.readings[i]), view(ct.readings[c]), view(tag->readings[t]));
      }
    }
  }
}

result<void> envelope_reader::read(cipher_mode mode, envelope_layout layout,
                                   envelope_encoding encoding, std::string_view body,
                                   std::optional<std::string_view> iv_header) {
  count_ = 0;
  storage_.clear();
  refusal_.fault = envelope_fault::none;
  layout_ =
      layout == envelope_layout::auto_detect ? detect_layout(body, iv_header.has_value()) : layout;
  const std::size_t header_size = iv_header ? iv_header->size() : 0;
  // Offsets are 32-bit; bodies are limited far below this by the gateway.
  if (body.size() > std::numeric_limits<std::uint32_t>::max() / 4 ||
      header_size > std::numeric_limits<std::uint32_t>::max() / 4) {
    return refuse({.fault = envelope_fault::too_large});
  }
  // Worst case: every byte decoded as hex and as base64 (1/2 + 3/4).
  storage_.reserve(body.size() + body.size() / 4 + 2 * header_size + 8);

  switch (layout_) {
    case envelope_layout::json:
      return read_json(mode, encoding, body);
    case envelope_layout::compact:
      return read_compact(mode, encoding, body);
    case envelope_layout::raw:
      return read_raw(mode, encoding, body);
    case envelope_layout::header_iv:
      return read_header_iv(mode, encoding, body, iv_header);
    case envelope_layout::auto_detect:
      break;
  }
  return refuse({.fault = envelope_fault::too_large});  // not reached: layout_ is never auto
}

result<void> envelope_reader::read_json(cipher_mode mode, envelope_encoding encoding,
                                        std::string_view body) {
  simdjson::dom::object obj;
  if (envelope_parser().parse(body.data(), body.size(), true).get_object().get(obj)) {
    return refuse({.fault = envelope_fault::not_json_object});
  }
  std::optional<std::string_view> iv_text;
  bool iv_seen = false;
  std::string_view ct_text, tag_text;
  int ct_rank = -1, tag_rank = -1;  // index of the alias chosen so far (lower wins)
  for (const auto field : obj) {
    const std::string_view key = field.key;
    std::string_view value;
    const bool is_string = !field.value.get_string().get(value);
    if (key == "iv") {
      if (iv_seen) continue;  // first occurrence wins
      iv_seen = true;
      if (is_string) iv_text = value;
      continue;
    }
    if (key == "alg" || key == "mode") {
      if (!is_string) continue;
      const auto named = crypto::cipher_mode_from_loose_name(value);
      if (named && *named != mode) {
        return refuse({.fault = envelope_fault::mode_mismatch,
                       .field = key == "alg" ? "alg" : "mode",
                       .named_mode = *named});
      }
      continue;
    }
    if (!is_string) continue;
    if (const int i = field_index(ciphertext_fields, key); i >= 0) {
      if (ct_rank < 0 || i < ct_rank) {
        ct_rank = i;
        ct_text = value;
      }
      continue;
    }
    if (mode == cipher_mode::aes_256_gcm) {
      if (const int i = field_index(tag_fields, key); i >= 0) {
        if (tag_rank < 0 || i < tag_rank) {
          tag_rank = i;
          tag_text = value;
        }
      }
    }
  }
  if (!iv_text) return refuse({.fault = envelope_fault::missing_iv});
  if (ct_rank < 0) return refuse({.fault = envelope_fault::missing_ciphertext});
  const bool gcm = mode == cipher_mode::aes_256_gcm;
  if (gcm && tag_rank < 0) return refuse({.fault = envelope_fault::missing_tag});

  piece iv, ct, tag;
  if (!decode_piece(*iv_text, encoding, iv)) return refuse_encoding(envelope_piece::iv, "iv");
  if (!decode_piece(ct_text, encoding, ct)) {
    return refuse_encoding(envelope_piece::ciphertext, ciphertext_fields[ct_rank]);
  }
  if (gcm && !decode_piece(tag_text, encoding, tag)) {
    return refuse_encoding(envelope_piece::tag, tag_fields[tag_rank]);
  }
  add_product(mode, iv, ct, gcm ? &tag : nullptr);
  return {};
}

result<void> envelope_reader::read_compact(cipher_mode mode, envelope_encoding encoding,
                                           std::string_view body) {
  body = detail::trim(body);
  const bool gcm = mode == cipher_mode::aes_256_gcm;
  // Counted only to explain a refusal.
  const auto wrong_part_count = [&] {
    return refuse({.fault = envelope_fault::wrong_part_count,
                   .found = static_cast<std::size_t>(std::count(body.begin(), body.end(), ':')) + 1,
                   .wanted = gcm ? 3u : 2u});
  };
  const auto first = body.find(':');
  if (first == std::string_view::npos) return wrong_part_count();
  const std::string_view iv_text = body.substr(0, first);
  std::string_view rest = body.substr(first + 1);
  std::string_view ct_text = rest, tag_text;
  if (gcm) {
    const auto second = rest.find(':');
    if (second == std::string_view::npos) return wrong_part_count();
    ct_text = rest.substr(0, second);
    tag_text = rest.substr(second + 1);
    if (tag_text.find(':') != std::string_view::npos) return wrong_part_count();
  } else if (rest.find(':') != std::string_view::npos) {
    return wrong_part_count();
  }

  piece iv, ct, tag;
  if (!decode_piece(iv_text, encoding, iv)) return refuse_encoding(envelope_piece::iv);
  if (!decode_piece(ct_text, encoding, ct)) return refuse_encoding(envelope_piece::ciphertext);
  if (gcm && !decode_piece(tag_text, encoding, tag)) return refuse_encoding(envelope_piece::tag);
  add_product(mode, iv, ct, gcm ? &tag : nullptr);
  return {};
}

result<void> envelope_reader::read_raw(cipher_mode mode, envelope_encoding encoding,
                                       std::string_view body) {
  piece all;
  if (!decode_piece(body, encoding, all)) return refuse_encoding(envelope_piece::body);
  for (std::uint8_t r = 0; r < all.count; ++r) {
    const bytes_view b = view(all.readings[r]);
    if (mode == cipher_mode::aes_256_cbc) {
      if (b.size() >= crypto::cbc_iv_size) {
        add(b.first(crypto::cbc_iv_size), b.subspan(crypto::cbc_iv_size), {});
      }
      continue;
    }
    for (const std::size_t iv_size : {gcm_short_iv, gcm_long_iv}) {
      if (b.size() < iv_size + crypto::gcm_tag_size) continue;
      add(b.first(iv_size), b.subspan(iv_size, b.size() - iv_size - crypto::gcm_tag_size),
          b.last(crypto::gcm_tag_size));
    }
  }
  if (count_ == 0) {  // fewer bytes than IV + tag
    return refuse({.fault = envelope_fault::too_short,
                   .piece = envelope_piece::body,
                   .found = longest(all),
                   .wanted = mode == cipher_mode::aes_256_cbc
                                 ? crypto::cbc_iv_size
                                 : gcm_short_iv + crypto::gcm_tag_size});
  }
  return {};
}

result<void> envelope_reader::read_header_iv(cipher_mode mode, envelope_encoding encoding,
                                             std::string_view body,
                                             std::optional<std::string_view> iv_header) {
  if (!iv_header) return refuse({.fault = envelope_fault::missing_iv_header});
  piece iv, all;
  if (!decode_piece(*iv_header, encoding, iv)) return refuse_encoding(envelope_piece::iv);
  if (!decode_piece(body, encoding, all)) return refuse_encoding(envelope_piece::body);
  const bool gcm = mode == cipher_mode::aes_256_gcm;
  for (std::uint8_t i = 0; i < iv.count; ++i) {
    for (std::uint8_t r = 0; r < all.count; ++r) {
      const bytes_view b = view(all.readings[r]);
      if (!gcm) {
        add(view(iv.readings[i]), b, {});
      } else if (b.size() >= crypto::gcm_tag_size) {
        add(view(iv.readings[i]), b.first(b.size() - crypto::gcm_tag_size),
            b.last(crypto::gcm_tag_size));
      }
    }
  }
  if (count_ == 0) {  // fewer bytes than the tag
    return refuse({.fault = envelope_fault::too_short,
                   .piece = envelope_piece::body,
                   .found = longest(all),
                   .wanted = crypto::gcm_tag_size});
  }
  return {};
}

}  // namespace rai::handlers
