#include "crypto/key.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <string>

#include "crypto/codec.hpp"

namespace rai::crypto {
namespace {

constexpr std::string_view hex_prefix = "hex:";
constexpr std::string_view base64_prefix = "base64:";

result<aes_key> from_decoded(result<std::string> decoded) {
  if (!decoded || decoded->size() != aes_key{}.size()) {
    if (decoded) OPENSSL_cleanse(decoded->data(), decoded->size());
    return crypto_errc::bad_key;
  }
  aes_key key{};
  std::copy(decoded->begin(), decoded->end(), key.begin());
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return key;
}

}  // namespace

result<aes_key> parse_key(std::string_view text) {
  // A 32-character string is the key itself, whatever it starts with.
  if (text.size() == aes_key{}.size()) {
    aes_key key{};
    std::copy(text.begin(), text.end(), key.begin());
    return key;
  }
  if (text.starts_with(hex_prefix)) {
    const std::string_view digits = text.substr(hex_prefix.size());
    if (digits.size() != 2 * aes_key{}.size()) return crypto_errc::bad_key;
    return from_decoded(hex_decode(digits));
  }
  if (text.starts_with(base64_prefix)) {
    return from_decoded(base64_decode(text.substr(base64_prefix.size())));
  }
  return crypto_errc::bad_key;
}

}  // namespace rai::crypto
