#pragma once

// Request headers printed as "name: value" lines (the form `curl -H @FILE`
// reads), to a file or, for "-", to stderr.

#include <string>
#include <utility>
#include <vector>

#include "tools/outcome.hpp"

namespace rai::tool {

using header_list = std::vector<std::pair<std::string, std::string>>;

std::string format_header_lines(const header_list& headers);

// Writes the lines to `path` ("-": stderr).
outcome<void> write_header_lines(const std::string& path, const header_list& headers);

}  // namespace rai::tool
