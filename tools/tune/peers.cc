#include "tools/tune/peers.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

namespace xconv::tools {
namespace {

// Just enough JSON for Google Benchmark's output: objects, arrays, strings
// (escapes kept as written but for \" and \\), numbers, true/false/null.
struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  double number = 0;
  std::string text;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json* get(const std::string& key) const {
    for (const auto& [k, v] : members) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  Json document() {
    Json v = value(0);
    space();
    if (at_ != s_.size()) throw std::runtime_error("text after the JSON value");
    return v;
  }

 private:
  void space() {
    while (at_ < s_.size() && (s_[at_] == ' ' || s_[at_] == '\n' || s_[at_] == '\r' || s_[at_] == '\t')) ++at_;
  }
  char peek() {
    space();
    if (at_ >= s_.size()) throw std::runtime_error("unexpected end");
    return s_[at_];
  }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected '") + c + "'");
    ++at_;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (at_ < s_.size() && s_[at_] != '"') {
      if (s_[at_] == '\\' && at_ + 1 < s_.size()) ++at_;
      out += s_[at_++];
    }
    expect('"');
    return out;
  }
  Json value(int depth) {
    if (depth > 64) throw std::runtime_error("nested too deeply");
    Json v;
    const char c = peek();
    if (c == '{') {
      v.type = Json::kObject;
      ++at_;
      if (peek() == '}') return ++at_, v;
      do {
        std::string key = string();
        expect(':');
        v.members.emplace_back(std::move(key), value(depth + 1));
      } while (peek() == ',' && ++at_);
      expect('}');
    } else if (c == '[') {
      v.type = Json::kArray;
      ++at_;
      if (peek() == ']') return ++at_, v;
      do v.items.push_back(value(depth + 1));
      while (peek() == ',' && ++at_);
      expect(']');
    } else if (c == '"') {
      v.type = Json::kString;
      v.text = string();
    } else if (s_.compare(at_, 4, "true") == 0 || s_.compare(at_, 4, "null") == 0) {
      v.type = s_[at_] == 't' ? Json::kBool : Json::kNull;
      at_ += 4;
    } else if (s_.compare(at_, 5, "false") == 0) {
      v.type = Json::kBool;
      at_ += 5;
    } else {
      char* end = nullptr;
      v.type = Json::kNumber;
      v.number = std::strtod(s_.c_str() + at_, &end);
      if (end == s_.c_str() + at_) throw std::runtime_error("not a JSON value");
      at_ = static_cast<size_t>(end - s_.c_str());
    }
    return v;
  }

  const std::string& s_;
  size_t at_ = 0;
};

}  // namespace

PeerRates read_peers(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  Json doc;
  try {
    doc = Parser(text.str()).document();
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not JSON (" + e.what() + ")");
  }
  const Json* benchmarks = doc.get("benchmarks");
  if (benchmarks == nullptr || benchmarks->type != Json::kArray) {
    throw std::runtime_error(path + ": no \"benchmarks\" array (bench_conv --benchmark_out=FILE writes one)");
  }
  PeerRates rates;
  std::map<std::pair<std::string, std::string>, bool> from_median;
  for (const Json& b : benchmarks->items) {
    const Json *name = b.get("run_name"), *rate = b.get("GFLOP/s"), *type = b.get("run_type"),
               *aggregate = b.get("aggregate_name");
    if (name == nullptr || rate == nullptr || rate->type != Json::kNumber || b.get("error_occurred")) continue;
    const bool median = type && type->text == "aggregate" && aggregate && aggregate->text == "median";
    if (type && type->text == "aggregate" && !median) continue;
    // run_name: conv/<layer>/<impl>[/...]
    std::vector<std::string> parts;
    std::stringstream fields(name->text);
    for (std::string part; std::getline(fields, part, '/');) parts.push_back(part);
    if (parts.size() < 3 || parts[0] != "conv") continue;
    const auto key = std::make_pair(parts[1], parts[2]);
    if (from_median[key] && !median) continue;  // a median, once seen, beats single runs
    from_median[key] = from_median[key] || median;
    rates[parts[1]][parts[2]] = rate->number > 1e6 ? rate->number * 1e-9 : rate->number;
  }
  return rates;
}

}  // namespace xconv::tools
