// A self-contained SVG bar chart of a tuning run: GFLOP/s per layer (a row
// each), the default plan against the tuned one (and the peers, when given), with the
// FMA peak as a line. Plain text out, no dependency.
#ifndef XCONV_TOOLS_TUNE_SVG_CHART_H_
#define XCONV_TOOLS_TUNE_SVG_CHART_H_

#include <string>
#include <vector>

namespace xconv::tools {

struct ChartSeries {
  std::string name;            // the legend's
  std::vector<double> values;  // GFLOP/s per layer; 0: none
};

std::string svg_chart(const std::string& title, const std::vector<std::string>& layers,
                      const std::vector<ChartSeries>& series, double peak_gflops);

}  // namespace xconv::tools

#endif  // XCONV_TOOLS_TUNE_SVG_CHART_H_
