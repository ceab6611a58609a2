#include "tools/tune/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xconv::tools {
namespace {

constexpr double kLeft = 70, kRight = 20, kTop = 60, kBottom = 170;  // margins (px)
constexpr double kPlotHeight = 360, kGroupWidth = 34, kMinWidth = 760;  // room for the title and legend
const char* const kColors[] = {"#9e9e9e", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"};

// Text content and attribute values: the five XML specials escaped.
std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format(const char* f, double a, double b = 0, double c = 0, double d = 0) {
  char text[256];
  std::snprintf(text, sizeof text, f, a, b, c, d);
  return text;
}

// A round step for about six grid lines up to `top`.
double grid_step(double top) {
  const double raw = top / 6, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * magnitude) return m * magnitude;
  }
  return 10 * magnitude;
}

}  // namespace

std::string svg_chart(const std::string& title, const std::vector<std::string>& layers,
                      const std::vector<ChartSeries>& series, double peak_gflops) {
  double top = peak_gflops;
  for (const ChartSeries& s : series) {
    for (double v : s.values) top = std::max(top, v);
  }
  top = top > 0 ? top * 1.08 : 1;
  const double width =
      std::max(kMinWidth, kLeft + kRight + kGroupWidth * static_cast<double>(std::max<size_t>(1, layers.size())));
  const double height = kTop + kPlotHeight + kBottom;
  // Few layers spread out over the minimum width, up to 120 px a group.
  const double group = std::min(120.0, std::max(kGroupWidth, (width - kLeft - kRight) /
                                                                 static_cast<double>(std::max<size_t>(1, layers.size()))));
  const auto y = [&](double v) { return kTop + kPlotHeight * (1 - v / top); };
  std::string svg = format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                           "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
                           width, height, width, height);
  svg += format("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n", width, height);
  svg += "<text x=\"" + format("%.0f", kLeft) + "\" y=\"22\" font-size=\"15\">" + escape(title) + "</text>\n";

  // Grid and axis labels.
  const double step = grid_step(top);
  for (double v = 0; v <= top; v += step) {
    svg += format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", kLeft,
                  width - kRight, y(v), y(v));
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", kLeft - 6, y(v) + 4, v);
  }
  svg += format("<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\">GFLOP/s</text>\n",
                kTop + kPlotHeight / 2);

  // Bars: one group per layer, one bar per series.
  const double bar = (group - 6) / static_cast<double>(std::max<size_t>(1, series.size()));
  for (size_t i = 0; i < layers.size(); ++i) {
    const double x0 = kLeft + group * static_cast<double>(i) + 3;
    for (size_t s = 0; s < series.size(); ++s) {
      const double v = i < series[s].values.size() ? series[s].values[i] : 0;
      if (v <= 0) continue;
      svg += format("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x0 + bar * static_cast<double>(s),
                    y(v), bar, kTop + kPlotHeight - y(v));
      svg += std::string(" fill=\"") + kColors[s % 6] + "\"><title>" + escape(layers[i] + " " + series[s].name) +
             format(": %.1f GFLOP/s", v) + "</title></rect>\n";
    }
    svg += format("<text transform=\"translate(%.1f %.1f) rotate(-60)\" text-anchor=\"end\">", x0 + group / 2,
                  kTop + kPlotHeight + 10) +
           escape(layers[i]) + "</text>\n";
  }
  svg += format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", kLeft, width - kRight,
                kTop + kPlotHeight, kTop + kPlotHeight);

  // The FMA peak, measured in the same run.
  if (peak_gflops > 0) {
    svg += format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n",
                  kLeft, width - kRight, y(peak_gflops), y(peak_gflops));
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#d62728\">FMA peak %.0f GFLOP/s</text>\n",
                  width - kRight, y(peak_gflops) - 4, peak_gflops);
  }

  // Legend, in rows as wide as the chart.
  double lx = kLeft, ly = 32;
  for (size_t s = 0; s < series.size(); ++s) {
    const double item = 24 + 7 * static_cast<double>(series[s].name.size());
    if (lx > kLeft && lx + item > width - kRight) lx = kLeft, ly += 14;
    svg += format("<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\"", lx, ly) + " fill=\"" + kColors[s % 6] +
           "\"/>";
    svg += format("<text x=\"%.1f\" y=\"%.1f\">", lx + 16, ly + 10) + escape(series[s].name) + "</text>\n";
    lx += item;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace xconv::tools
