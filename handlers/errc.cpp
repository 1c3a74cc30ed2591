#include "handlers/errc.hpp"

#include <string>

namespace rai::handlers {
namespace {

struct errc_info {
  unsigned status;
  std::string_view reason;
  std::string_view message;
};

constexpr errc_info unknown_info{500, "internal_error", "internal error"};

constexpr errc_info info_of(inbound_errc e) noexcept {
  switch (e) {
    case inbound_errc::bad_envelope:
      return {400, "bad_envelope", "envelope cannot be parsed"};
    case inbound_errc::mode_mismatch:
      return {400, "mode_mismatch", "envelope cipher mode does not match the source"};
    case inbound_errc::not_json_object:
      return {400, "not_json_object", "payload is not a JSON object"};
    case inbound_errc::no_decryption_key:
      return {400, "no_decryption_key", "source does not accept encrypted payloads"};
    case inbound_errc::missing_api_key:
      return {401, "missing_api_key", "missing API key"};
    case inbound_errc::bad_api_key:
      return {401, "bad_api_key", "invalid API key"};
    case inbound_errc::signature_missing:
      return {401, "signature_missing", "missing webhook signature"};
    case inbound_errc::signature_invalid:
      return {401, "signature_invalid", "invalid webhook signature"};
    case inbound_errc::timestamp_out_of_tolerance:
      return {401, "timestamp_out_of_tolerance", "webhook timestamp out of tolerance"};
    case inbound_errc::encryption_required:
      return {401, "encryption_required", "encrypted payload required"};
    case inbound_errc::decrypt_failed:
      return {401, "decrypt_failed", "payload cannot be decrypted"};
    case inbound_errc::unknown_route:
      return {404, "unknown_route", "not found"};
    case inbound_errc::unknown_source:
      return {404, "unknown_source", "unknown source"};
    case inbound_errc::unknown_event:
      return {404, "unknown_event", "unknown event"};
    case inbound_errc::method_not_allowed:
      return {405, "method_not_allowed", "method not allowed"};
    case inbound_errc::body_too_large:
      return {413, "body_too_large", "body too large"};
    case inbound_errc::missing_event_type:
      return {422, "missing_event_type", "missing event type"};
    case inbound_errc::unknown_event_type:
      return {422, "unknown_event_type", "unknown event type"};
  }
  return unknown_info;
}

class inbound_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rai.inbound"; }
  std::string message(int ev) const override {
    return std::string(info_of(static_cast<inbound_errc>(ev)).message);
  }
  char const* message(int ev, char* buffer, std::size_t len) const noexcept override {
    const std::string_view m = info_of(static_cast<inbound_errc>(ev)).message;
    if (len == 0) return buffer;
    const std::size_t n = m.size() < len - 1 ? m.size() : len - 1;
    m.copy(buffer, n);
    buffer[n] = '\0';
    return buffer;
  }
};

const errc_info& info_of(const boost::system::error_code& ec) noexcept {
  static constexpr errc_info success{200, "ok", "ok"};
  if (!ec) return success;
  if (ec.category() != inbound_category()) return unknown_info;
  // Re-enter the switch through a static table so the returned reference stays valid.
  static constexpr errc_info table[] = {
      unknown_info,
      info_of(inbound_errc::bad_envelope),
      info_of(inbound_errc::mode_mismatch),
      info_of(inbound_errc::not_json_object),
      info_of(inbound_errc::no_decryption_key),
      info_of(inbound_errc::missing_api_key),
      info_of(inbound_errc::bad_api_key),
      info_of(inbound_errc::signature_missing),
      info_of(inbound_errc::signature_invalid),
      info_of(inbound_errc::timestamp_out_of_tolerance),
      info_of(inbound_errc::encryption_required),
      info_of(inbound_errc::decrypt_failed),
      info_of(inbound_errc::unknown_route),
      info_of(inbound_errc::unknown_source),
      info_of(inbound_errc::unknown_event),
      info_of(inbound_errc::method_not_allowed),
      info_of(inbound_errc::body_too_large),
      info_of(inbound_errc::missing_event_type),
      info_of(inbound_errc::unknown_event_type),
  };
  static_assert(std::size(table) == static_cast<std::size_t>(inbound_errc::unknown_event_type) + 1,
                "every inbound_errc needs a table row");
  const int v = ec.value();
  if (v <= 0 || static_cast<std::size_t>(v) >= std::size(table)) return unknown_info;
  return table[v];
}

}  // namespace

const boost::system::error_category& inbound_category() noexcept {
  static const inbound_category_impl category;
  return category;
}

unsigned http_status(const boost::system::error_code& ec) noexcept {
  return info_of(ec).status;
}

std::string_view public_message(const boost::system::error_code& ec) noexcept {
  return info_of(ec).message;
}

std::string_view reason(const boost::system::error_code& ec) noexcept {
  return info_of(ec).reason;
}

}  // namespace rai::handlers
