#include "tools/decrypt_check.hpp"

#include <chrono>

#include "handlers/envelope_diagnosis.hpp"
#include "handlers/errc.hpp"
#include "handlers/inbound.hpp"
#include "tools/diagnosis_text.hpp"

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

// The precise cause, from the gateway's own envelope reader and attempts;
// refusals before any decryption are already precise.
std::string explain(const handlers::source_settings& s, std::string_view body,
                    std::optional<std::string_view> iv, const boost::system::error_code& ec) {
  if (ec == inbound_errc::bad_envelope || ec == inbound_errc::mode_mismatch ||
      ec == inbound_errc::decrypt_failed || ec == inbound_errc::not_json_object) {
    return describe(s, handlers::diagnose_envelope(s, body, iv));
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
