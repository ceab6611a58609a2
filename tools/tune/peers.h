// The peers' GFLOP/s for the tuner's chart: read from bench_conv's JSON
// output (--benchmark_out=FILE), per layer and implementation. A median
// aggregate is preferred where the run had repetitions.
#ifndef XCONV_TOOLS_TUNE_PEERS_H_
#define XCONV_TOOLS_TUNE_PEERS_H_

#include <map>
#include <string>

namespace xconv::tools {

// layer -> implementation ("onednn_any", "xnnpack_nhwc", ...) -> GFLOP/s.
using PeerRates = std::map<std::string, std::map<std::string, double>>;

// Throws std::runtime_error naming the file when it is not such a JSON file.
PeerRates read_peers(const std::string& path);

}  // namespace xconv::tools

#endif  // XCONV_TOOLS_TUNE_PEERS_H_
