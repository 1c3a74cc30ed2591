#pragma once

// Writing JSON text by hand: strings escaped per RFC 8259.

#include <string>
#include <string_view>

namespace rai::tool {

// Appends `s` as a quoted JSON string. Quotes, backslashes and control
// characters are escaped; valid UTF-8 passes through; an invalid byte becomes
// U+FFFD, so the output is always valid JSON (values read off a broker may be
// arbitrary bytes).
void append_json_string(std::string& out, std::string_view s);

std::string json_string(std::string_view s);

}  // namespace rai::tool
