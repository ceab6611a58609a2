#include "tools/tune/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xconv::tools {
namespace {

// Horizontal bars, one row per layer: the names stay horizontal, so no text
// is rotated (renderers disagree on rotated text: ImageMagick's own SVG
// reader turns it the other way).
constexpr double kLabelWidth = 200, kRight = 30, kTop = 70, kBottom = 40;  // margins (px)
constexpr double kPlotWidth = 640, kBar = 5, kRowGap = 6;
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
  top = top > 0 ? top * 1.05 : 1;
  const double row = kBar * static_cast<double>(std::max<size_t>(1, series.size())) + kRowGap;
  const double plot_height = row * static_cast<double>(std::max<size_t>(1, layers.size()));
  const double width = kLabelWidth + kPlotWidth + kRight, height = kTop + plot_height + kBottom;
  const auto x = [&](double v) { return kLabelWidth + kPlotWidth * v / top; };
  std::string svg = format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                           "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"11\">\n",
                           width, height, width, height);
  svg += format("<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\" stroke=\"none\"/>\n", width, height);
  svg += "<text x=\"10\" y=\"22\" font-size=\"15\">" + escape(title) + "</text>\n";

  // Grid, with the GFLOP/s scale above and below the bars.
  const double step = grid_step(top);
  for (double v = 0; v <= top; v += step) {
    svg += format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n", x(v), x(v), kTop,
                  kTop + plot_height);
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x(v), kTop - 6, v);
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", x(v), kTop + plot_height + 14,
                  v);
  }
  svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">GFLOP/s</text>\n", kLabelWidth + kPlotWidth / 2,
                kTop + plot_height + 30);

  // Bars: one row per layer, one bar per series.
  for (size_t i = 0; i < layers.size(); ++i) {
    const double y0 = kTop + row * static_cast<double>(i) + kRowGap / 2;
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", kLabelWidth - 6, y0 + (row - kRowGap) / 2 + 4) +
           escape(layers[i]) + "</text>\n";
    for (size_t s = 0; s < series.size(); ++s) {
      const double v = i < series[s].values.size() ? series[s].values[i] : 0;
      if (v <= 0) continue;
      svg += format("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", kLabelWidth,
                    y0 + kBar * static_cast<double>(s), x(v) - kLabelWidth, kBar);
      svg += std::string(" fill=\"") + kColors[s % 6] + "\" stroke=\"none\"><title>" +
             escape(layers[i] + " " + series[s].name) + format(": %.1f GFLOP/s", v) + "</title></rect>\n";
    }
  }
  svg += format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", kLabelWidth,
                kLabelWidth, kTop, kTop + plot_height);

  // The FMA peak, measured in the same run.
  if (peak_gflops > 0) {
    svg += format("<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n",
                  x(peak_gflops), x(peak_gflops), kTop, kTop + plot_height);
    svg += format("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#d62728\">FMA peak %.0f GFLOP/s</text>\n",
                  x(peak_gflops) - 4, kTop + plot_height + 30, peak_gflops);
  }

  // Legend, in rows as wide as the chart.
  double lx = 10, ly = 32;
  for (size_t s = 0; s < series.size(); ++s) {
    const double item = 24 + 7 * static_cast<double>(series[s].name.size());
    if (lx > 10 && lx + item > width - kRight) lx = 10, ly += 14;
    svg += format("<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\"", lx, ly) + " fill=\"" + kColors[s % 6] +
           "\" stroke=\"none\"/>";
    svg += format("<text x=\"%.1f\" y=\"%.1f\">", lx + 16, ly + 10) + escape(series[s].name) + "</text>\n";
    lx += item;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace xconv::tools
