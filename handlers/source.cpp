#include "handlers/source.hpp"

#include <string_view>

namespace rai::handlers {
namespace {

constexpr std::size_t max_name_length = 128;  // same bound as a route segment

bool valid_name(std::string_view s) noexcept {
  if (s.empty() || s.size() > max_name_length || s == "." || s == "..") return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// An HTTP header name as the gateway looks it up: lowercase token characters.
bool valid_header_name(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                    c == '.' || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' ||
                    c == '\'' || c == '*' || c == '+' || c == '^' || c == '`' || c == '|' ||
                    c == '~';
    if (!ok) return false;
  }
  return true;
}

std::string problem(const source_settings& s, std::string_view what) {
  std::string out = "sources.";
  out += s.name;
  out += ": ";
  out += what;
  return out;
}

}  // namespace

std::optional<std::string> validate(const source_settings& s) {
  if (!valid_name(s.name)) {
    // The name itself may be what is wrong, so it is not echoed.
    return std::string(
        "sources: a source name must be 1-128 characters of A-Z a-z 0-9 . _ - "
        "(it is the {source} segment of /webhooks/{source})");
  }
  if (s.mode == crypto::cipher_mode::aes_256_cbc && s.api_keys.empty() && !s.signing_secret) {
    return problem(s, "mode aes-256-cbc is not authenticated; set api_keys or signing_secret");
  }
  if (s.require_encryption && s.keys.empty()) {
    return problem(s,
                   "require_encryption is true but no keys are configured; set keys or "
                   "require_encryption = false");
  }
  for (const auto& k : s.api_keys) {
    if (k.empty()) return problem(s, "api_keys contains an empty key");
  }
  if (!valid_header_name(s.iv_header)) {
    return problem(s, "iv_header must be a non-empty lowercase HTTP header name");
  }
  if (s.signature_tolerance.count() < 0) {
    return problem(s, "signature_tolerance must not be negative");
  }
  if (s.max_decrypt_attempts == 0) {
    return problem(s, "max_decrypt_attempts must be at least 1");
  }
  return std::nullopt;
}

}  // namespace rai::handlers
