// Event routing and JSON handling: handlers::parse_webhook_route,
// event_from_path / event_from_field, finish_event_id, the plaintext pipeline
// (JSON object check, event field, event id) through process_inbound on a
// plaintext source, is_json_object, parse_handshake_response, and the two JSON
// readers of handlers/json_object.hpp against each other and against
// simdjson's DOM (which decides alone wherever it does not refuse a number).
//
// Input, as FuzzedDataProvider reads it (make_corpus.py writes seeds so):
//   last byte        bit 0: webhook-id present (unsigned: it must not decide the id),
//                    bit 2: pass the route's {event} segment to process_inbound
//   from the front   request-target, event name, then webhook-id when present
//                    (each a ConsumeRandomLengthString)
//   the rest         the body (plaintext JSON)

#include <fuzzer/FuzzedDataProvider.h>
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/errc.hpp"
#include "handlers/event_id.hpp"
#include "handlers/events.hpp"
#include "handlers/inbound.hpp"
#include "handlers/json_object.hpp"
#include "handlers/outbound_command.hpp"
#include "handlers/route.hpp"
#include "tests/fuzz/fuzz_sources.hpp"

namespace {

using namespace rai::handlers;

bool route_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// What the route parser promises of a segment: 1..128 of [A-Za-z0-9._-], not a dot segment.
bool valid_segment(std::string_view s) noexcept {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (const char c : s) {
    if (!route_char(c)) return false;
  }
  return true;
}

bool inside(std::string_view part, std::string_view whole) noexcept {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// Routing: what parse_webhook_route accepts is a clean segment pointing into
// the target, and a canonical name means the same event to both lookups.
std::optional<std::string_view> check_route(std::string_view target) {
  const auto route = parse_webhook_route(target);
  if (!route) {
    if (http_status(route.error()) != 404) std::abort();
    return std::nullopt;
  }
  if (!valid_segment(route->source) || !inside(route->source, target)) std::abort();
  if (!route->event) return std::nullopt;
  if (!valid_segment(*route->event) || !inside(*route->event, target)) std::abort();
  return route->event;
}

void check_event_name(std::string_view name) {
  const auto by_path = event_from_path(name);
  const auto by_field = event_from_field(name);
  if (by_path) {
    if (by_field != by_path) std::abort();
    if (event_name(*by_path) != name) std::abort();
  }
  if (by_field && event_from_path(event_name(*by_field)) != by_field) std::abort();
}

void check_event_id(std::string_view id) {
  const std::string finished = finish_event_id(id);
  if (finished == id) {
    if (id.size() > max_event_id_length) std::abort();
  } else if (finished.size() != 7 + 64 || finished.compare(0, 7, "sha256:") != 0) {
    std::abort();
  }
  if (finish_event_id(finished) != finished) std::abort();  // a finished id stays as it is
}

// The strict reader, the hot path (simdjson, falling back to the strict
// reader) and simdjson alone agree on what is a JSON object.
bool check_json_readers(std::string_view body) {
  const bool strict = read_json_members(body, {}, {});
  json_fields fields;
  if (read_json_object(body, body.size(), {}, fields) != strict) std::abort();
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(4096, max_json_depth + 1)) std::abort();
    return p;
  }();
  simdjson::dom::element doc;
  const auto e = parser.parse(body.data(), body.size(), true).get(doc);
  if (e != simdjson::NUMBER_ERROR && e != simdjson::NUMBER_OUT_OF_RANGE) {
    if ((!e && doc.is_object()) != strict) std::abort();
  }
  return strict;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const source_settings plain = rai::fuzz::make_plain_source();
  FuzzedDataProvider in(data, size);
  const auto flags = in.ConsumeIntegral<std::uint8_t>();
  const std::string target = in.ConsumeRandomLengthString(512);
  const std::string name = in.ConsumeRandomLengthString(64);
  std::optional<std::string> webhook_id;
  if (flags & 1u) webhook_id = in.ConsumeRandomLengthString(300);
  const std::string body = in.ConsumeRemainingBytesAsString();

  const auto route_event = check_route(target);
  check_event_name(name);
  check_event_id(name);
  if (webhook_id) check_event_id(*webhook_id);

  const inbound_request request{
      .body = body,
      .webhook_id = webhook_id,
      .now = std::chrono::system_clock::time_point(rai::fuzz::fixed_now),
  };
  const auto path_event = (flags & 4u) ? route_event : std::nullopt;
  const auto accepted = process_inbound(plain, path_event, request);
  const bool object = is_json_object(body);
  if (check_json_readers(body) != object) std::abort();
  if (accepted) {
    if (!object || accepted->plaintext != body) std::abort();
    if (accepted->id.empty() || finish_event_id(accepted->id) != accepted->id) std::abort();
    // An unsigned webhook-id never decides the id: the same request without it has the same id.
    if (webhook_id) {
      const inbound_request bare{
          .body = body, .now = std::chrono::system_clock::time_point(rai::fuzz::fixed_now)};
      const auto again = process_inbound(plain, path_event, bare);
      if (!again || again->id != accepted->id) std::abort();
    }
  } else {
    // A JSON object is never refused as "not a JSON object", and anything
    // else always is (an unknown {event} segment is refused before the body).
    const bool not_object = accepted.error() == inbound_errc::not_json_object;
    const bool before_body = accepted.error() == inbound_errc::unknown_event;
    if (!before_body && not_object == object) std::abort();
  }

  const auto handshake = parse_handshake_response(body);
  if (handshake) {
    if (!object || handshake->token.empty()) std::abort();
    if (handshake->token.size() > max_session_token_length) std::abort();
    if (handshake->ttl && (handshake->ttl->count() <= 0 || *handshake->ttl > max_session_ttl)) {
      std::abort();
    }
  }
  return 0;
}
