#include "gateway/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace rai::gateway {
namespace {

void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_double(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  out.append(buf, end);
}

}  // namespace

void prometheus_text::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_help(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void prometheus_text::series(std::string_view name, std::string_view suffix, labels l,
                             std::pair<std::string_view, std::string_view> extra) {
  out_ += name;
  out_ += suffix;
  if (l.size() == 0 && extra.first.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  auto label = [&](std::string_view k, std::string_view v) {
    if (!first) out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    append_label_value(out_, v);
    out_ += '"';
  };
  for (const auto& [k, v] : l) label(k, v);
  if (!extra.first.empty()) label(extra.first, extra.second);
  out_ += "} ";
}

void prometheus_text::sample(std::string_view name, labels l, double value) {
  series(name, "", l);
  append_double(out_, value);
  out_ += '\n';
}

void prometheus_text::sample(std::string_view name, labels l, std::uint64_t value) {
  series(name, "", l);
  append_int(out_, value);
  out_ += '\n';
}

void prometheus_text::sample(std::string_view name, labels l, std::int64_t value) {
  series(name, "", l);
  append_int(out_, value);
  out_ += '\n';
}

void prometheus_text::histogram(std::string_view name, labels l,
                                const metrics::latency_histogram& h) {
  using H = metrics::latency_histogram;
  std::uint64_t cumulative = 0;
  char le[32];
  for (std::size_t i = 0; i <= H::bounds.size(); ++i) {
    cumulative += h.bucket(i);
    std::string_view le_text = "+Inf";
    if (i < H::bounds.size()) {
      const int n = std::snprintf(le, sizeof le, "%g", H::bounds[i]);
      le_text = std::string_view(le, static_cast<std::size_t>(n));
    }
    series(name, "_bucket", l, {"le", le_text});
    append_int(out_, cumulative);
    out_ += '\n';
  }
  series(name, "_sum", l);
  append_double(out_, static_cast<double>(h.sum_us()) / 1e6);
  out_ += '\n';
  series(name, "_count", l);
  append_int(out_, cumulative);
  out_ += '\n';
}

}  // namespace rai::gateway
