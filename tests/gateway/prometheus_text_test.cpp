#include "gateway/prometheus_text.hpp"

#include <gtest/gtest.h>

namespace rai::gateway {
namespace {

TEST(PrometheusText, FamilySamplesAndLabelEscaping) {
  prometheus_text out;
  out.family("rai_x_total", "counter", "A help text with \\ and\nnewline.");
  out.sample("rai_x_total", {{"a", "plain"}, {"b", "q\"uote\\back\nline"}}, std::uint64_t{42});
  out.sample("rai_x_total", {}, std::int64_t{-3});
  out.sample("rai_x_total", {{"a", "d"}}, 0.25);
  EXPECT_EQ(out.take(),
            "# HELP rai_x_total A help text with \\\\ and\\nnewline.\n"
            "# TYPE rai_x_total counter\n"
            "rai_x_total{a=\"plain\",b=\"q\\\"uote\\\\back\\nline\"} 42\n"
            "rai_x_total -3\n"
            "rai_x_total{a=\"d\"} 0.25\n");
}

TEST(PrometheusText, HistogramBucketsAreCumulative) {
  metrics::latency_histogram h;
  h.observe(std::chrono::microseconds(300));  // <= 0.0005
  h.observe(std::chrono::microseconds(300));  // <= 0.0005
  h.observe(std::chrono::milliseconds(7));    // <= 0.01
  h.observe(std::chrono::seconds(10));        // +Inf
  prometheus_text out;
  out.histogram("rai_h_seconds", {{"k", "v"}}, h);
  const std::string text = out.take();
  EXPECT_NE(text.find("rai_h_seconds_bucket{k=\"v\",le=\"0.0005\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("rai_h_seconds_bucket{k=\"v\",le=\"0.005\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("rai_h_seconds_bucket{k=\"v\",le=\"0.01\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("rai_h_seconds_bucket{k=\"v\",le=\"2.5\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("rai_h_seconds_bucket{k=\"v\",le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("rai_h_seconds_sum{k=\"v\"} 10.0076\n"), std::string::npos) << text;
  EXPECT_NE(text.find("rai_h_seconds_count{k=\"v\"} 4\n"), std::string::npos);
}

}  // namespace
}  // namespace rai::gateway
