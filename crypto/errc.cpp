#include "crypto/errc.hpp"

#include <string>

namespace rai::crypto {
namespace {

class crypto_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rai.crypto"; }

  std::string message(int ev) const override { return describe(ev); }

  char const* message(int ev, char* /*buffer*/, std::size_t /*len*/) const noexcept override {
    return describe(ev);
  }

 private:
  static const char* describe(int ev) noexcept {
    switch (static_cast<crypto_errc>(ev)) {
      case crypto_errc::bad_key:
        return "key is not 32 characters, hex:<64 hex digits> or base64:<32 bytes>";
      case crypto_errc::bad_iv_length:
        return "IV length not accepted by the cipher mode";
      case crypto_errc::bad_tag_length:
        return "GCM tag is not 16 bytes";
      case crypto_errc::bad_length:
        return "ciphertext length is not a non-zero multiple of the block size";
      case crypto_errc::auth_failed:
        return "decryption failed";
      case crypto_errc::bad_encoding:
        return "invalid base64 or hex encoding";
      case crypto_errc::bad_secret:
        return "signing secret is not whsec_<base64>";
      case crypto_errc::signature_missing:
        return "webhook-id, webhook-timestamp or webhook-signature missing";
      case crypto_errc::bad_timestamp:
        return "webhook-timestamp is not unix seconds";
      case crypto_errc::timestamp_too_old:
        return "webhook-timestamp too old";
      case crypto_errc::timestamp_too_new:
        return "webhook-timestamp too far in the future";
      case crypto_errc::signature_mismatch:
        return "no matching webhook signature";
      case crypto_errc::internal:
        return "internal cryptographic error";
    }
    return "unknown rai.crypto error";
  }
};

}  // namespace

const boost::system::error_category& crypto_category() noexcept {
  static const crypto_category_impl instance{};
  return instance;
}

}  // namespace rai::crypto
