#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/bytes.hpp"
#include "crypto/errc.hpp"

namespace rai::crypto {

// A Standard Webhooks signing secret ("whsec_" + base64). The raw key is kept
// out of any formatting: there is deliberately no way to print it.
class webhook_secret {
 public:
  static result<webhook_secret> parse(std::string_view text);  // bad → bad_secret
  bytes_view key() const noexcept { return as_bytes(key_); }

 private:
  explicit webhook_secret(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// "v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>"
std::string webhook_sign(const webhook_secret& secret, std::string_view id,
                         std::int64_t unix_seconds, std::string_view body);

// Checks the three Standard Webhooks headers. `signature_header` is a
// space-separated list of "v<n>,<base64>"; any matching v1 entry passes.
// Empty id/timestamp/signature → signature_missing. Comparison is constant-time.
result<void> webhook_verify(const webhook_secret& secret, std::string_view id,
                            std::string_view timestamp, std::string_view signature_header,
                            std::string_view body, std::chrono::system_clock::time_point now,
                            std::chrono::seconds tolerance);

}  // namespace rai::crypto
