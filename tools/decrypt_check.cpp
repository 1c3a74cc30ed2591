#include "tools/decrypt_check.hpp"

#include <chrono>

#include "handlers/envelope.hpp"
#include "handlers/errc.hpp"
#include "handlers/inbound.hpp"
#include "handlers/names.hpp"
#include "tools/cipher_diagnosis.hpp"
#include "tools/layout_diagnosis.hpp"

namespace rai::tool {
namespace {

using handlers::inbound_errc;

handlers::source_settings source_of(const cipher_profile& p) {
  handlers::source_settings s;
  s.name = "rai-gateway-tool";
  s.mode = p.mode;
  s.keys = p.keys;
  s.layout = p.layout;
  s.encoding = p.encoding;
  s.iv_header = p.iv_header;
  s.require_encryption = true;
  return s;
}

std::string explain(const handlers::source_settings& s, std::string_view body,
                    std::optional<std::string_view> iv, const boost::system::error_code& ec) {
  if (ec == inbound_errc::bad_envelope || ec == inbound_errc::mode_mismatch) {
    return explain_layout(s, body, iv);
  }
  if (ec == inbound_errc::decrypt_failed) {
    // Name the layout the body was read as: an auto-detected raw reading of
    // a header-iv body (no --iv given) fails here, not as a bad layout.
    const bool detected = s.layout == handlers::envelope_layout::auto_detect;
    const auto layout = detected ? handlers::detect_layout(body, iv.has_value()) : s.layout;
    return explain_decrypt_failure(s, body, iv) + " [read as the " +
           std::string(handlers::layout_name(layout)) + " layout" +
           (detected ? ", auto-detected" : "") + "]";
  }
  if (ec == inbound_errc::not_json_object) {
    return "bad plaintext: the GCM tag verifies but the plaintext is not a UTF-8 JSON object";
  }
  return std::string(handlers::public_message(ec));
}

}  // namespace

decrypt_verdict decrypt_like_gateway(const cipher_profile& p, std::string_view body,
                                     std::optional<std::string_view> iv_header) {
  const handlers::source_settings source = source_of(p);
  handlers::inbound_request request;
  request.body = body;
  request.encrypted = "true";
  request.iv = iv_header;
  request.now = std::chrono::system_clock::now();
  // A fixed {event} segment: the plaintext needs no event field to decrypt.
  auto accepted = handlers::process_inbound(source, "user-joined", request);
  decrypt_verdict v;
  if (accepted) {
    v.accepted = true;
    v.plaintext = std::move(accepted->plaintext);
    return v;
  }
  v.http_status = handlers::http_status(accepted.error());
  v.reason = handlers::reason(accepted.error());
  v.explanation = explain(source, body, iv_header, accepted.error());
  return v;
}

}  // namespace rai::tool
