// Micro benchmarks of the handlers' per-request work at 1 KB and 64 KB
// plaintexts: taking a json/base64 envelope apart (auto layout and encoding,
// the receiving default), the whole process_inbound pipeline (API key,
// envelope, decryption, JSON check, event id) for GCM and CBC, the plaintext
// JSON check alone (read_json_object against simdjson's DOM by itself, which
// is all the check was before it accepted every RFC 8259 number, and with a
// big integer that takes the strict reader), and sealing an outbound envelope.

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <array>
#include <chrono>
#include <stdexcept>
#include <string>

#include "bench/payloads.hpp"
#include "crypto/key.hpp"
#include "handlers/envelope.hpp"
#include "handlers/inbound.hpp"
#include "handlers/json_object.hpp"
#include "handlers/outbound_envelope.hpp"

namespace {

using namespace rai;

constexpr std::string_view k_api_key = "bench-api-key-0123456789";

crypto::aes_key bench_key() {
  auto k = crypto::parse_key("0123456789abcdef0123456789abcdef");
  if (!k) throw std::runtime_error("bad bench key");
  return *k;
}

std::string plaintext_of(std::size_t size) {
  return bench::event_payload(handlers::event_kind::user_joined, "micro-1", 1, size);
}

std::string sealed_body(crypto::cipher_mode mode, const std::string& plain) {
  handlers::seal_settings s;
  s.mode = mode;
  auto sealed = handlers::seal_envelope(s, bench_key(), plain);
  if (!sealed) throw std::runtime_error("seal_envelope failed");
  return std::move(sealed->body);
}

handlers::source_settings source_of(crypto::cipher_mode mode) {
  handlers::source_settings s;
  s.name = "bench";
  s.mode = mode;
  s.keys = {bench_key()};
  s.api_keys = {std::string(k_api_key)};
  return s;
}

void envelope_read(benchmark::State& state) {
  const std::string body = sealed_body(crypto::cipher_mode::aes_256_gcm,
                                       plaintext_of(static_cast<std::size_t>(state.range(0))));
  handlers::envelope_reader reader;
  for (auto _ : state) {
    auto r = reader.read(crypto::cipher_mode::aes_256_gcm, handlers::envelope_layout::auto_detect,
                         handlers::envelope_encoding::auto_detect, body, std::nullopt);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

void process_inbound(benchmark::State& state, crypto::cipher_mode mode) {
  const std::string plain = plaintext_of(static_cast<std::size_t>(state.range(0)));
  const std::string body = sealed_body(mode, plain);
  const handlers::source_settings source = source_of(mode);
  handlers::inbound_request req;
  req.body = body;
  req.api_key = k_api_key;
  req.encrypted = "true";
  req.now = std::chrono::system_clock::now();
  for (auto _ : state) {
    auto r = handlers::process_inbound(source, std::string_view("user-joined"), req);
    if (!r) throw std::runtime_error("process_inbound refused the event");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}

void process_inbound_gcm(benchmark::State& state) {
  process_inbound(state, crypto::cipher_mode::aes_256_gcm);
}
void process_inbound_cbc(benchmark::State& state) {
  process_inbound(state, crypto::cipher_mode::aes_256_cbc);
}

constexpr std::array<std::string_view, 8> plaintext_fields = {
    "event", "eventType", "event_type", "type", "id", "_id", "eventId", "event_id"};

// The plaintext as the pipeline holds it: with simdjson's padding to spare.
std::string padded_plaintext(std::size_t size, bool big_integer) {
  std::string p = plaintext_of(size);
  if (big_integer) p.insert(1, "\"n\":123456789012345678901234567890,");
  std::string out;
  out.reserve(p.size() + simdjson::SIMDJSON_PADDING);
  out.assign(p);
  return out;
}

// What the plaintext check was: simdjson's DOM and one pass over the members.
void json_dom_alone(benchmark::State& state) {
  const std::string text = padded_plaintext(static_cast<std::size_t>(state.range(0)), false);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::object root;
    if (parser.parse(simdjson::padded_string_view(text.data(), text.size(), text.capacity()))
            .get_object()
            .get(root)) {
      throw std::runtime_error("not an object");
    }
    std::size_t found = 0;
    for (const auto member : root) {
      for (const auto name : plaintext_fields) found += member.key == name;
    }
    benchmark::DoNotOptimize(found);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void json_read_object(benchmark::State& state, bool big_integer) {
  const std::string text = padded_plaintext(static_cast<std::size_t>(state.range(0)), big_integer);
  handlers::json_fields fields;
  for (auto _ : state) {
    if (!handlers::read_json_object(text, text.capacity(), plaintext_fields, fields)) {
      throw std::runtime_error("not an object");
    }
    benchmark::DoNotOptimize(fields[4]);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void json_read_object(benchmark::State& state) {
  json_read_object(state, false);
}
void json_read_object_big_integer(benchmark::State& state) {
  json_read_object(state, true);
}

void seal_outbound_gcm(benchmark::State& state) {
  const std::string plain =
      bench::command_payload("channel-message", 1, static_cast<std::size_t>(state.range(0)));
  const auto key = bench_key();
  const handlers::seal_settings s;
  for (auto _ : state) {
    auto r = handlers::seal_envelope(s, key, plain);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * plain.size()));
}

}  // namespace

BENCHMARK(envelope_read)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(process_inbound_gcm)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(process_inbound_cbc)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(json_dom_alone)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(json_read_object)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(json_read_object_big_integer)->Arg(1024)->Arg(64 * 1024);
BENCHMARK(seal_outbound_gcm)->Arg(1024)->Arg(64 * 1024);
