#include "tools/layout_diagnosis.hpp"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/cipher_names.hpp"
#include "handlers/envelope.hpp"
#include "handlers/names.hpp"
#include "tools/piece_decoding.hpp"

namespace rai::tool {
namespace {

using crypto::cipher_mode;
using handlers::envelope_encoding;
using handlers::envelope_layout;

constexpr std::size_t gcm_min_iv = 12;
constexpr std::array<std::string_view, 5> ciphertext_fields = {
    "data", "ciphertext", "encryptedData", "encrypted", "content"};
constexpr std::array<std::string_view, 3> tag_fields = {"tag", "authTag", "auth_tag"};

bool contains(std::span<const std::string_view> names, std::string_view key) {
  return std::find(names.begin(), names.end(), key) != names.end();
}

std::string not_encoded(std::string_view what, envelope_encoding e) {
  return std::string(what) + " is not valid " + std::string(encoding_words(e));
}

std::size_t largest(const std::vector<std::size_t>& sizes) {
  return sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
}

std::string check_json(const handlers::source_settings& s, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(body.data(), body.size(), true).get_object().get(obj)) {
    return "the body is not a JSON object";
  }
  const bool gcm = s.mode == cipher_mode::aes_256_gcm;
  std::optional<std::string_view> iv, ct, tag;
  bool iv_seen = false;
  for (const auto field : obj) {
    std::string_view value;
    const bool is_string = !field.value.get_string().get(value);
    if (field.key == "iv") {
      if (!iv_seen && is_string) iv = value;
      iv_seen = true;
    } else if ((field.key == "alg" || field.key == "mode") && is_string) {
      const auto named = crypto::cipher_mode_from_loose_name(value);
      if (named && *named != s.mode) {
        return "its \"" + std::string(field.key) + "\" field names " +
               std::string(crypto::cipher_mode_name(*named)) + " but the mode is " +
               std::string(crypto::cipher_mode_name(s.mode));
      }
    } else if (is_string && !ct && contains(ciphertext_fields, field.key)) {
      ct = value;
    } else if (is_string && !tag && contains(tag_fields, field.key)) {
      tag = value;
    }
  }
  if (!iv) return "no \"iv\" field with a string value";
  if (!ct) {
    return "no ciphertext field (data, ciphertext, encryptedData, encrypted or content) with a "
           "string value";
  }
  if (gcm && !tag) return "no tag field (tag, authTag or auth_tag); aes-256-gcm needs one";
  if (decoded_sizes(*iv, s.encoding).empty()) return not_encoded("\"iv\"", s.encoding);
  if (decoded_sizes(*ct, s.encoding).empty()) return not_encoded("the ciphertext", s.encoding);
  if (gcm && decoded_sizes(*tag, s.encoding).empty()) return not_encoded("the tag", s.encoding);
  return {};
}

std::string check_compact(const handlers::source_settings& s, std::string_view body) {
  body = handlers::detail::trim(body);
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto colon = body.find(':', start);
    parts.push_back(body.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  const bool gcm = s.mode == cipher_mode::aes_256_gcm;
  const std::size_t want = gcm ? 3 : 2;
  if (parts.size() != want) {
    return std::string("expected ") + (gcm ? "iv:ciphertext:tag" : "iv:ciphertext") + " (" +
           std::to_string(want) + " parts separated by ':') for " +
           std::string(crypto::cipher_mode_name(s.mode)) + ", found " +
           std::to_string(parts.size());
  }
  constexpr std::array<std::string_view, 3> names = {"the iv part", "the ciphertext part",
                                                     "the tag part"};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (decoded_sizes(parts[i], s.encoding).empty()) return not_encoded(names[i], s.encoding);
  }
  return {};
}

std::string check_raw(const handlers::source_settings& s, std::string_view body) {
  const auto sizes = decoded_sizes(body, s.encoding);
  if (sizes.empty()) return not_encoded("the body", s.encoding);
  const bool gcm = s.mode == cipher_mode::aes_256_gcm;
  const std::size_t need = gcm ? gcm_min_iv + crypto::gcm_tag_size : crypto::cbc_iv_size;
  if (largest(sizes) < need) {
    return "the body decodes to " + std::to_string(largest(sizes)) + " bytes, fewer than " +
           (gcm ? std::string("IV (12) + tag (16)") : std::string("the 16-byte IV"));
  }
  return {};
}

std::string check_header_iv(const handlers::source_settings& s, std::string_view body,
                            std::optional<std::string_view> iv_header) {
  if (!iv_header) {
    return "no IV: header-iv carries it in the " + s.iv_header +
           " header; pass that header's value with --iv";
  }
  if (decoded_sizes(*iv_header, s.encoding).empty()) {
    return not_encoded("the IV (--iv)", s.encoding);
  }
  const auto sizes = decoded_sizes(body, s.encoding);
  if (sizes.empty()) return not_encoded("the body", s.encoding);
  if (s.mode == cipher_mode::aes_256_gcm && largest(sizes) < crypto::gcm_tag_size) {
    return "the body decodes to " + std::to_string(largest(sizes)) +
           " bytes, fewer than the 16-byte tag";
  }
  return {};
}

}  // namespace

std::string explain_layout(const handlers::source_settings& s, std::string_view body,
                           std::optional<std::string_view> iv_header) {
  const bool detected = s.layout == envelope_layout::auto_detect;
  const envelope_layout layout =
      detected ? handlers::detect_layout(body, iv_header.has_value()) : s.layout;
  std::string problem;
  switch (layout) {
    case envelope_layout::json:
      problem = check_json(s, body);
      break;
    case envelope_layout::compact:
      problem = check_compact(s, body);
      break;
    case envelope_layout::raw:
      problem = check_raw(s, body);
      break;
    case envelope_layout::header_iv:
      problem = check_header_iv(s, body, iv_header);
      break;
    case envelope_layout::auto_detect:
      break;
  }
  if (problem.empty()) problem = "the envelope cannot be taken apart";
  std::string out = "bad layout (";
  out += handlers::layout_name(layout);
  if (detected) out += ", auto-detected";
  out += "): ";
  out += problem;
  return out;
}

}  // namespace rai::tool
