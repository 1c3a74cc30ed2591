#include "bench/load_requests.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "crypto/aes.hpp"

#include "bench/payloads.hpp"

namespace rai::bench {
namespace {

// Writes `seq` as id_digits decimal digits, zero-padded, at `at`.
void write_sequence(char* at, std::uint64_t seq) {
  for (std::size_t i = id_digits; i-- > 0;) {
    at[i] = static_cast<char>('0' + seq % 10);
    seq /= 10;
  }
}

}  // namespace

prepared_requests prepare_requests(const request_options& o) {
  prepared_requests out;
  const std::string_view event = handlers::event_name(o.event);
  // Appends one piece at a time: g++ 12 -O3 reports a false -Wrestrict on
  // chains of std::string operator+ here.
  std::string& h = out.head;
  h.append("POST /webhooks/").append(o.source);
  if (o.event_in_path) h.append("/").append(event);
  h.append(" HTTP/1.1\r\nHost: ").append(o.host).append(":").append(std::to_string(o.port));
  h.append("\r\nUser-Agent: rai-bench-load\r\nContent-Type: application/json\r\n");
  if (!o.api_key.empty()) h.append("x-api-key: ").append(o.api_key).append("\r\n");
  if (o.key) out.head += "x-encrypted: true\r\n";
  out.id_prefix = o.id_prefix;
  out.key = o.key;
  out.seal = o.seal;
  out.iv_header = o.iv_header;
  if (!crypto::random_bytes(out.iv_prefix)) throw std::runtime_error("no random bytes");

  out.templates.reserve(o.events);
  out.id_offsets.reserve(o.events);
  std::size_t plain_total = 0;
  std::size_t body_total = 0;
  std::string plaintext;
  std::string tail;
  for (std::size_t i = 0; i < o.events; ++i) {
    std::string id = o.id_prefix;
    id.append("-").append(id_digits, '0');
    std::string t = event_payload(o.event, id, i, o.size);
    // The payload starts with its top-level "id": the first occurrence.
    const std::size_t at = t.find(id);
    if (at == std::string::npos) throw std::runtime_error("an event payload lost its id");
    out.id_offsets.push_back(at + id.size() - id_digits);
    out.templates.push_back(std::move(t));
    if (!build_request(out, i, plaintext, tail))
      throw std::runtime_error("sealing an event failed");
    plain_total += plaintext.size();
    body_total += tail.size() - tail.find("\r\n\r\n") - 4;
  }
  if (o.events > 0) {
    out.plaintext_bytes = plain_total / o.events;
    out.body_bytes = body_total / o.events;
  }
  return out;
}

std::string request_id(const prepared_requests& r, std::uint64_t seq) {
  std::string id = r.id_prefix;
  id.push_back('-');
  const std::size_t at = id.size();
  id.append(id_digits, '0');
  write_sequence(id.data() + at, seq);
  return id;
}

bool build_request(const prepared_requests& r, std::uint64_t seq, std::string& plaintext,
                   std::string& tail) {
  const std::size_t which = seq % r.templates.size();
  plaintext.assign(r.templates[which]);
  write_sequence(plaintext.data() + r.id_offsets[which], seq);
  tail.clear();
  if (!r.key) {
    tail.append("Content-Length: ").append(std::to_string(plaintext.size())).append("\r\n\r\n");
    tail += plaintext;
    return true;
  }
  const bool gcm = r.seal.mode == crypto::cipher_mode::aes_256_gcm;
  std::array<std::uint8_t, handlers::seal_gcm_iv_size> iv{};
  static_assert(iv.size() == 4 + 8);
  std::copy(r.iv_prefix.begin(), r.iv_prefix.end(), iv.begin());
  for (std::size_t i = 0; i < 8; ++i) iv[4 + i] = static_cast<std::uint8_t>(seq >> (56 - 8 * i));
  auto sealed = gcm ? handlers::seal_envelope(r.seal, *r.key, plaintext, iv)
                    : handlers::seal_envelope(r.seal, *r.key, plaintext);
  if (!sealed) return false;
  if (sealed->iv_header_value)
    tail.append(r.iv_header).append(": ").append(*sealed->iv_header_value).append("\r\n");
  tail.append("Content-Length: ").append(std::to_string(sealed->body.size())).append("\r\n\r\n");
  tail += sealed->body;
  return true;
}

}  // namespace rai::bench
