#include "bench/load_requests.hpp"

#include <stdexcept>

#include "bench/payloads.hpp"

namespace rai::bench {

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

  out.tails.reserve(o.events);
  out.ids.reserve(o.events);
  std::size_t plain_total = 0;
  std::size_t body_total = 0;
  for (std::size_t i = 0; i < o.events; ++i) {
    std::string id = o.id_prefix;
    id.append("-e").append(std::to_string(i));
    const std::string plaintext = event_payload(o.event, id, i, o.size);
    std::string tail;
    std::string body;
    if (o.key) {
      auto sealed = handlers::seal_envelope(o.seal, *o.key, plaintext);
      if (!sealed) throw std::runtime_error("sealing an event failed: " + sealed.error().message());
      if (sealed->iv_header_value)
        tail.append(o.iv_header).append(": ").append(*sealed->iv_header_value).append("\r\n");
      body = std::move(sealed->body);
    } else {
      body = plaintext;
    }
    tail.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
    tail += body;
    plain_total += plaintext.size();
    body_total += body.size();
    out.tails.push_back(std::move(tail));
    out.ids.push_back(std::move(id));
  }
  if (o.events > 0) {
    out.plaintext_bytes = plain_total / o.events;
    out.body_bytes = body_total / o.events;
  }
  return out;
}

}  // namespace rai::bench
