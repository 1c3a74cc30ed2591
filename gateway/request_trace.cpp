#include "gateway/request_trace.hpp"

#include <optional>
#include <random>
#include <string_view>

namespace rai::gateway {
namespace {

std::optional<std::string_view> single_header(const http::request_header<>& req,
                                              std::string_view name) {
  const auto [first, last] = req.equal_range(name);
  if (first == last || std::next(first) != last) return std::nullopt;
  return std::string_view(first->value().data(), first->value().size());
}

std::uint64_t os_seed() {
  std::random_device os;
  return (std::uint64_t{os()} << 32) ^ os();
}

}  // namespace

tracing::id_generator& thread_trace_ids() {
  thread_local tracing::id_generator ids{os_seed()};
  return ids;
}

tracing::span_scope server_span_for(const http::request_header<>& req) {
  return tracing::start_span(tracing::read_trace_headers(single_header(req, "traceparent"),
                                                         single_header(req, "tracestate")),
                             thread_trace_ids());
}

}  // namespace rai::gateway
