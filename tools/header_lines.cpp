#include "tools/header_lines.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace rai::tool {

std::string format_header_lines(const header_list& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += '\n';
  }
  return out;
}

outcome<void> write_header_lines(const std::string& path, const header_list& headers) {
  const std::string text = format_header_lines(headers);
  if (path == "-") {
    std::fputs(text.c_str(), stderr);
    return {};
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return op_error("cannot write " + path + ": " + std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return op_error("cannot write " + path);
  return {};
}

}  // namespace rai::tool
