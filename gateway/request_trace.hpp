#pragma once

// The trace context of the gateway's own spans (docs/wire-format.md §8): ids
// from a per-thread generator, and a webhook request's server span.

#include "http/net.hpp"
#include "tracing/ids.hpp"
#include "tracing/span_scope.hpp"

namespace rai::gateway {

// This thread's id generator, seeded once from the OS (std::random_device):
// no lock and no system call per id.
tracing::id_generator& thread_trace_ids();

// The server span of a webhook request: a child of the request's valid
// traceparent (with its tracestate when that is valid too), else the root of
// a new trace. A header sent more than once counts as invalid (W3C Trace
// Context §3.2.1: several traceparent headers are not one context).
tracing::span_scope server_span_for(const http::request_header<>& req);

}  // namespace rai::gateway
