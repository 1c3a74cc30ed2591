#include "crypto/webhook_signature.hpp"

#include <algorithm>
#include <charconv>

#include "crypto/codec.hpp"
#include "crypto/hash.hpp"

namespace rai::crypto {
namespace {

constexpr std::string_view secret_prefix = "whsec_";

// Base64 of the HMAC-SHA256 of "{id}.{timestamp}.{body}". The timestamp is
// signed in its canonical decimal form, as the reference libraries do.
std::string expected_signature(const webhook_secret& secret, std::string_view id,
                               std::int64_t unix_seconds, std::string_view body) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, unix_seconds);
  (void)ec;  // 24 chars always hold an int64
  const std::string_view ts(buf, static_cast<std::size_t>(end - buf));
  const sha256_digest mac = hmac_sha256_concat(
      secret.key(), {as_bytes(id), as_bytes("."), as_bytes(ts), as_bytes("."), as_bytes(body)});
  return base64_encode(mac, base64_alphabet::standard, true);
}

}  // namespace

result<webhook_secret> webhook_secret::parse(std::string_view text) {
  if (!text.starts_with(secret_prefix)) return crypto_errc::bad_secret;
  auto key = base64_decode(text.substr(secret_prefix.size()));
  if (!key || key->empty()) return crypto_errc::bad_secret;
  return webhook_secret(std::move(*key));
}

std::string webhook_sign(const webhook_secret& secret, std::string_view id,
                         std::int64_t unix_seconds, std::string_view body) {
  return "v1," + expected_signature(secret, id, unix_seconds, body);
}

result<void> webhook_verify(const webhook_secret& secret, std::string_view id,
                            std::string_view timestamp, std::string_view signature_header,
                            std::string_view body, std::chrono::system_clock::time_point now,
                            std::chrono::seconds tolerance) {
  if (id.empty() || timestamp.empty() || signature_header.empty()) {
    return crypto_errc::signature_missing;
  }

  // Unix seconds: digits only (no sign, no spaces, no fraction), fits int64.
  if (!std::all_of(timestamp.begin(), timestamp.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return crypto_errc::bad_timestamp;
  }
  std::int64_t ts = 0;
  const auto [ptr, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), ts);
  if (ec != std::errc{} || ptr != timestamp.data() + timestamp.size()) {
    return crypto_errc::bad_timestamp;
  }
  const std::int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::uint64_t tol =
      tolerance.count() < 0 ? 0 : static_cast<std::uint64_t>(tolerance.count());
  // The distance between two int64 values always fits in a uint64, and
  // unsigned subtraction computes it without overflow.
  if (ts < now_s) {
    const std::uint64_t age = static_cast<std::uint64_t>(now_s) - static_cast<std::uint64_t>(ts);
    if (age > tol) return crypto_errc::timestamp_too_old;
  } else {
    const std::uint64_t ahead = static_cast<std::uint64_t>(ts) - static_cast<std::uint64_t>(now_s);
    if (ahead > tol) return crypto_errc::timestamp_too_new;
  }

  // Compared as digests (constant_time_equal): the expected one is computed once.
  const comparison_digest expected =
      digest_for_comparison(expected_signature(secret, id, ts, body));

  bool matched = false;
  std::string_view rest = signature_header;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view entry = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    const std::size_t comma = entry.find(',');
    if (comma == std::string_view::npos || entry.substr(0, comma) != "v1") continue;
    // No early exit: every v1 entry is compared.
    matched |= constant_time_equal(digest_for_comparison(entry.substr(comma + 1)), expected);
  }
  if (!matched) return crypto_errc::signature_mismatch;
  return {};
}

}  // namespace rai::crypto
