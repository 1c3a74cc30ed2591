#pragma once

// Writing JSON text by hand: strings escaped per RFC 8259. Used for every
// JSON the gateway writes itself (responses, logs, tools, benchmarks), and
// for every outside value in a text log line.

#include <string>
#include <string_view>

namespace rai::handlers {

// Appends `s` escaped for the inside of a JSON string. Quotes, backslashes
// and control characters are escaped; valid UTF-8 passes through; an invalid
// byte becomes U+FFFD, so the output is always valid JSON (header values and
// messages read off a broker may be arbitrary bytes). Besides what RFC 8259
// requires, DEL, the C1 controls (U+0080-U+009F), the bidirectional
// formatting characters (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069) and U+2028/U+2029 are written as \uXXXX: the same string
// to a JSON reader, but nothing that a terminal or log viewer acts on or that
// reorders what a reader sees. The output is printable: one line, no control.
void append_json_escaped(std::string& out, std::string_view s);

// The same escapes for one line of plain text (a text log line, a terminal),
// except that '"' is kept as is. Every escape starts with a backslash (a
// backslash itself is doubled), so a value can never end a line, forge
// another, or move the cursor.
void append_text_escaped(std::string& out, std::string_view s);

// The same, between quotes.
void append_json_string(std::string& out, std::string_view s);

std::string json_string(std::string_view s);

}  // namespace rai::handlers
