#include "otlp/otlp_json.hpp"

#include <chrono>
#include <cstdint>

namespace rai::otlp {
namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 (RFC 3629: no
// overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

std::string unix_nanos(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch());
  return std::to_string(ns.count() < 0 ? 0 : ns.count());
}

bool all_zero(const tracing::span_id& id) {
  for (auto b : id)
    if (b) return false;
  return true;
}

void append_key_value(std::string& out, std::string_view key, std::string_view value) {
  out += "{\"key\":";
  append_json_string(out, key);
  out += ",\"value\":{\"stringValue\":";
  append_json_string(out, value);
  out += "}}";
}

void append_span(std::string& out, const tracing::span_record& s) {
  out += "{\"traceId\":\"";
  out += tracing::to_hex(s.trace);
  out += "\",\"spanId\":\"";
  out += tracing::to_hex(s.id);
  out += '"';
  if (!all_zero(s.parent)) {
    out += ",\"parentSpanId\":\"";
    out += tracing::to_hex(s.parent);
    out += '"';
  }
  out += ",\"name\":";
  append_json_string(out, s.name);
  out += ",\"kind\":";
  out += std::to_string(otlp_span_kind(s.kind));
  out += ",\"startTimeUnixNano\":\"";
  out += unix_nanos(s.start);
  out += "\",\"endTimeUnixNano\":\"";
  out += unix_nanos(s.end);
  out += "\",\"attributes\":[";
  for (std::size_t i = 0; i < s.attributes.size(); ++i) {
    if (i) out += ',';
    append_key_value(out, s.attributes[i].first, s.attributes[i].second);
  }
  out += ']';
  if (s.error) out += ",\"status\":{\"code\":2}";
  out += '}';
}

}  // namespace

int otlp_span_kind(tracing::span_kind kind) noexcept {
  switch (kind) {
    case tracing::span_kind::internal:
      return 1;
    case tracing::span_kind::server:
      return 2;
    case tracing::span_kind::client:
      return 3;
    case tracing::span_kind::producer:
      return 4;
    case tracing::span_kind::consumer:
      return 5;
  }
  return 0;  // SPAN_KIND_UNSPECIFIED
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence(s, i)) {
        out.append(s.substr(i, n));
        i += n;
      } else {
        out += "\\ufffd";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string encode_traces(std::span<const tracing::span_record> spans,
                          std::string_view service_name) {
  std::string out;
  out.reserve(256 + spans.size() * 320);
  out += "{\"resourceSpans\":[{\"resource\":{\"attributes\":[";
  append_key_value(out, "service.name", service_name);
  out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\"rai-gateway\"},\"spans\":[";
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (i) out += ',';
    append_span(out, spans[i]);
  }
  out += "]}]}]}";
  return out;
}

}  // namespace rai::otlp
