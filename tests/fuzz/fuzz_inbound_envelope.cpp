// Envelope parsing and decryption: handlers::envelope_reader and the whole
// handlers::process_inbound pipeline against 60 fixed sources (GCM and CBC,
// every layout and encoding, API keys, with and without a signing secret).
//
// Input, as FuzzedDataProvider reads it (make_corpus.py writes seeds so):
//   last byte           source index (0..59, see fuzz_sources.hpp)
//   byte before it      which optional values follow (bit i = value i present)
//   from the front      the present values, each a ConsumeRandomLengthString:
//                       0 x-api-key, 1 x-encrypted, 2 IV header, 3 webhook-id,
//                       4 webhook-timestamp, 5 webhook-signature,
//                       6 the {event} path segment
//   the rest            the request body

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/envelope.hpp"
#include "handlers/errc.hpp"
#include "handlers/event_id.hpp"
#include "handlers/inbound.hpp"
#include "tests/fuzz/fuzz_sources.hpp"

namespace {

constexpr std::size_t value_count = 7;
constexpr std::size_t max_value_bytes = 512;

// Properties of an accepted event that hold whatever the input.
void check_accepted(const rai::handlers::accepted_event& ev) {
  if (ev.id.empty() || ev.id.size() > rai::handlers::max_event_id_length) std::abort();
  if (rai::handlers::finish_event_id(ev.id) != ev.id) std::abort();  // printable, short
  if (ev.auth.empty() || ev.auth == "none") std::abort();  // encrypted sources always check
  if (ev.plaintext.empty()) std::abort();
}

void check_refused(const boost::system::error_code& ec) {
  const unsigned status = rai::handlers::http_status(ec);
  if (status != 400 && status != 401 && status != 404 && status != 422) std::abort();
  if (rai::handlers::public_message(ec).empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto sources = rai::fuzz::make_encrypted_sources();
  FuzzedDataProvider in(data, size);
  const auto& source = sources[in.ConsumeIntegralInRange<std::size_t>(0, sources.size() - 1)];
  const auto present = in.ConsumeIntegral<std::uint8_t>();
  std::array<std::optional<std::string>, value_count> values;
  for (std::size_t i = 0; i < value_count; ++i) {
    if (present & (1u << i)) values[i] = in.ConsumeRandomLengthString(max_value_bytes);
  }
  const std::string body = in.ConsumeRemainingBytesAsString();
  const auto value = [&values](std::size_t i) -> std::optional<std::string_view> {
    if (!values[i]) return std::nullopt;
    return std::string_view(*values[i]);
  };

  // The envelope reader alone, before any authentication, so every layout is
  // reached even by inputs whose API key is wrong.
  {
    rai::handlers::envelope_reader reader;
    if (reader.read(source.mode, source.layout, source.encoding, body, value(2))) {
      const auto candidates = reader.candidates();
      if (candidates.empty() || candidates.size() > rai::handlers::max_envelope_candidates) {
        std::abort();
      }
      if (reader.layout() == rai::handlers::envelope_layout::auto_detect) std::abort();
    }
  }

  const rai::handlers::inbound_request request{
      .body = body,
      .api_key = value(0),
      .encrypted = value(1),
      .iv = value(2),
      .webhook_id = value(3),
      .webhook_timestamp = value(4),
      .webhook_signature = value(5),
      .now = std::chrono::system_clock::time_point(rai::fuzz::fixed_now),
  };
  const auto result = rai::handlers::process_inbound(source, value(6), request);
  if (result) {
    check_accepted(*result);
  } else {
    check_refused(result.error());
  }
  return 0;
}
