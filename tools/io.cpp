#include "tools/io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace rai::tool {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

outcome<std::string> read_all(std::FILE* f, const std::string& name) {
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    out.append(buf, n);
    if (n < sizeof buf) break;
  }
  if (std::ferror(f)) return op_error("cannot read " + name + ": " + std::strerror(errno));
  return out;
}

}  // namespace

outcome<std::string> read_input(const parsed_args& a) {
  const auto path = a.last("--in");
  if (!path || *path == "-") return read_all(stdin, "stdin");
  std::unique_ptr<std::FILE, file_closer> f(std::fopen(path->c_str(), "rb"));
  if (!f) return usage_error("cannot open --in " + *path + ": " + std::strerror(errno));
  return read_all(f.get(), *path);
}

outcome<void> write_output(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() ||
      (isatty(STDOUT_FILENO) == 1 && std::fputc('\n', stdout) == EOF) || std::fflush(stdout) != 0) {
    return op_error(std::string("cannot write stdout: ") + std::strerror(errno));
  }
  return {};
}

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
