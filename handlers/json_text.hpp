#pragma once

// Writing JSON text by hand: strings escaped per RFC 8259. Used for every
// JSON the gateway writes itself (responses, logs, tools, benchmarks).

#include <string>
#include <string_view>

namespace rai::handlers {

// Appends `s` escaped for the inside of a JSON string. Quotes, backslashes
// and control characters are escaped; valid UTF-8 passes through; an invalid
// byte becomes U+FFFD, so the output is always valid JSON (header values and
// messages read off a broker may be arbitrary bytes).
void append_json_escaped(std::string& out, std::string_view s);

// The same, between quotes.
void append_json_string(std::string& out, std::string_view s);

std::string json_string(std::string_view s);

}  // namespace rai::handlers
