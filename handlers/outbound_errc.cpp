#include "handlers/outbound_errc.hpp"

#include <string>
#include <string_view>

namespace rai::handlers {
namespace {

constexpr std::string_view message_of(int ev) noexcept {
  switch (static_cast<outbound_errc>(ev)) {
    case outbound_errc::invalid_settings:
      return "invalid seal settings";
    case outbound_errc::bad_iv_length:
      return "IV length does not match the cipher mode";
    case outbound_errc::encryption_failed:
      return "encryption failed";
    case outbound_errc::bad_handshake_response:
      return "handshake response is not a JSON object";
    case outbound_errc::missing_session_token:
      return "handshake response has no session token";
    case outbound_errc::bad_session_token:
      return "session token is not usable as an HTTP header value";
  }
  return "unknown outbound error";
}

class outbound_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rai.outbound"; }
  std::string message(int ev) const override { return std::string(message_of(ev)); }
  char const* message(int ev, char* buffer, std::size_t len) const noexcept override {
    const std::string_view m = message_of(ev);
    if (len == 0) return buffer;
    const std::size_t n = m.size() < len - 1 ? m.size() : len - 1;
    m.copy(buffer, n);
    buffer[n] = '\0';
    return buffer;
  }
};

}  // namespace

const boost::system::error_category& outbound_category() noexcept {
  static const outbound_category_impl category;
  return category;
}

}  // namespace rai::handlers
