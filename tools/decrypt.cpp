#include "tools/decrypt.hpp"

#include <chrono>
#include <span>
#include <string_view>

#include "crypto/cipher_names.hpp"
#include "handlers/envelope_diagnosis.hpp"
#include "handlers/errc.hpp"
#include "handlers/inbound.hpp"
#include "handlers/names.hpp"

namespace rai::tool {
namespace {
using crypto::cipher_mode;
using handlers::attempt_outcome;
using handlers::envelope_fault;
using handlers::envelope_layout;
using handlers::envelope_piece;
using handlers::inbound_errc;

std::string mode_text(cipher_mode m) {
  return std::string(crypto::cipher_mode_name(m));
}

// "a, b or c"
std::string alternatives(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += i + 1 == names.size() ? " or " : ", ";
    out += names[i];
  }
  return out;
}

std::string_view encoding_words(handlers::envelope_encoding e) {
  return e == handlers::envelope_encoding::auto_detect ? "hex or base64"
                                                       : handlers::encoding_name(e);
}

std::string piece_words(envelope_layout layout, const handlers::envelope_refusal& r) {
  switch (layout) {
    case envelope_layout::json:
      if (r.piece == envelope_piece::iv) return "\"iv\"";
      return std::string(r.piece == envelope_piece::tag ? "the tag" : "the ciphertext") + " (\"" +
             std::string(r.field) + "\")";
    case envelope_layout::compact:
      if (r.piece == envelope_piece::iv) return "the iv part";
      return r.piece == envelope_piece::tag ? "the tag part" : "the ciphertext part";
    case envelope_layout::header_iv:
      return r.piece == envelope_piece::iv ? "the IV (--iv)" : "the body";
    case envelope_layout::raw:
    case envelope_layout::auto_detect:
      break;
  }
  return "the body";
}

std::string layout_problem(const handlers::source_settings& s,
                           const handlers::envelope_diagnosis& d) {
  const auto& r = d.refusal;
  const bool gcm = s.mode == cipher_mode::aes_256_gcm;
  switch (r.fault) {
    case envelope_fault::none:
      break;
    case envelope_fault::too_large:
      return "the body is too large to take apart";
    case envelope_fault::not_json_object:
      return "the body is not a JSON object";
    case envelope_fault::mode_mismatch:
      return "its \"" + std::string(r.field) + "\" field names " + mode_text(r.named_mode) +
             " but the mode is " + mode_text(s.mode);
    case envelope_fault::missing_iv:
      return "no \"iv\" field with a string value";
    case envelope_fault::missing_ciphertext:
      return "no ciphertext field (" + alternatives(handlers::ciphertext_field_names()) +
             ") with a string value";
    case envelope_fault::missing_tag:
      return "no tag field (" + alternatives(handlers::tag_field_names()) + "); " +
             mode_text(s.mode) + " needs one";
    case envelope_fault::wrong_part_count:
      return std::string("expected ") + (gcm ? "iv:ciphertext:tag" : "iv:ciphertext") + " (" +
             std::to_string(r.wanted) + " parts separated by ':') for " + mode_text(s.mode) +
             ", found " + std::to_string(r.found);
    case envelope_fault::bad_encoding:
      return piece_words(d.layout, r) + " is not valid " + std::string(encoding_words(s.encoding));
    case envelope_fault::too_short:
      if (d.layout == envelope_layout::header_iv) {
        return "the body decodes to " + std::to_string(r.found) + " bytes, fewer than the " +
               std::to_string(r.wanted) + "-byte tag";
      }
      return "the body decodes to " + std::to_string(r.found) + " bytes, fewer than " +
             (gcm ? "IV (12) + tag (16)" : "the " + std::to_string(r.wanted) + "-byte IV");
    case envelope_fault::missing_iv_header:
      return "no IV: header-iv carries it in the " + s.iv_header +
             " header; pass that header's value with --iv";
  }
  return "the envelope cannot be taken apart";
}

// The keys an outcome was seen with: "the key", "any of the 3 keys", "2 of the 3 keys".
std::string key_words(std::size_t tried, std::size_t keys) {
  if (keys == 1) return "the key";
  if (tried == keys) return "any of the " + std::to_string(keys) + " keys";
  return std::to_string(tried) + " of the " + std::to_string(keys) + " keys";
}

// How far an attempt got: the furthest one explains the refusal best.
int rank(attempt_outcome o) {
  switch (o) {
    case attempt_outcome::bad_iv_length:
    case attempt_outcome::bad_tag_length:
    case attempt_outcome::bad_ciphertext_length:
      return 1;
    case attempt_outcome::auth_failed:
    case attempt_outcome::bad_padding:
      return 2;
    case attempt_outcome::not_json_object:
      return 3;
    case attempt_outcome::over_budget:
    case attempt_outcome::accepted:
      break;
  }
  return 0;
}

// `tried`: the keys `a.reading` had the same outcome with.
std::string attempt_problem(const handlers::source_settings& s, const handlers::decrypt_attempt& a,
                            std::size_t tried) {
  const bool gcm = s.mode == cipher_mode::aes_256_gcm;
  switch (a.outcome) {
    case attempt_outcome::bad_iv_length:
      return "bad IV length: " + std::to_string(a.iv_bytes) + " bytes; " + mode_text(s.mode) +
             (gcm ? " takes a 12-byte (or 16-byte) IV" : " takes a 16-byte IV");
    case attempt_outcome::bad_tag_length:
      return "bad tag length: " + std::to_string(a.tag_bytes) + " bytes; the GCM tag is 16";
    case attempt_outcome::bad_ciphertext_length:
      return "bad ciphertext length: " + std::to_string(a.ciphertext_bytes) +
             " bytes, not a non-zero multiple of 16 (" + mode_text(s.mode) + ")";
    case attempt_outcome::auth_failed:
      return "bad tag: GCM authentication failed with " + key_words(tried, s.keys.size()) +
             " (a wrong key, or the IV, ciphertext or tag was altered)";
    case attempt_outcome::bad_padding:
      return "bad padding: CBC decryption with " + key_words(tried, s.keys.size()) +
             " does not end in valid PKCS#7 padding (a wrong key or IV, or an altered "
             "ciphertext)";
    case attempt_outcome::not_json_object:
      return gcm ? "bad plaintext: the GCM tag verifies but the plaintext is not a UTF-8 JSON "
                   "object"
                 : "bad plaintext: the CBC padding is valid but the plaintext is not a JSON "
                   "object (most likely a wrong key or IV: CBC cannot tell them apart)";
    case attempt_outcome::over_budget:
    case attempt_outcome::accepted:
      break;
  }
  return "no reading of the envelope could be decrypted";  // not ranked: never the best
}

std::string decrypt_problem(const handlers::source_settings& s,
                            const handlers::envelope_diagnosis& d) {
  const handlers::decrypt_attempt* best = nullptr;
  std::size_t skipped = 0;
  for (const auto& a : d.attempts) {
    if (a.outcome == attempt_outcome::over_budget) ++skipped;
    if (rank(a.outcome) > (best ? rank(best->outcome) : 0)) best = &a;
  }
  if (!best) return "no reading of the envelope could be decrypted";
  std::size_t tried = 0;
  for (const auto& a : d.attempts) {
    tried += a.reading == best->reading && a.outcome == best->outcome ? 1 : 0;
  }
  std::string out = attempt_problem(s, *best, tried);
  if (skipped != 0) {
    out += "; " + std::to_string(skipped) + " more attempts (reading and key) were not made (" +
           std::to_string(s.max_decrypt_attempts) + " decryptions at most, max_decrypt_attempts)";
  }
  return out;
}

// Why the gateway would refuse a body, in words: a handlers::envelope_diagnosis
// (the gateway's own reader and attempts) put as one sentence. "bad layout
// (json): no tag field (tag, authTag or auth_tag); aes-256-gcm needs one",
// "bad tag: GCM authentication failed with the key (...) [read as the json
// layout, auto-detected]", ...
std::string describe(const handlers::source_settings& s, const handlers::envelope_diagnosis& d) {
  const std::string layout =
      std::string(handlers::layout_name(d.layout)) + (d.layout_detected ? ", auto-detected" : "");
  if (d.refusal.fault != envelope_fault::none) {
    return "bad layout (" + layout + "): " + layout_problem(s, d);
  }
  // Name the layout the body was read as: an auto-detected raw reading of a
  // header-iv body (no --iv given) fails here, not as a bad layout.
  return decrypt_problem(s, d) + " [read as the " + std::string(handlers::layout_name(d.layout)) +
         " layout" + (d.layout_detected ? ", auto-detected" : "") + "]";
}

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
