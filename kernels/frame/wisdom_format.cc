#include "kernels/frame/wisdom_format.h"

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>

#include "kernels/frame/choose.h"
#include "kernels/frame/cpu.h"
#include "kernels/frame/error.h"
#include "kernels/frame/isa.h"
#include "kernels/frame/kernel_table.h"
#include "kernels/frame/limits.h"
#include "kernels/frame/shape.h"

namespace xconv {
namespace {

constexpr const char* kMagic = "xconv-wisdom 1";
constexpr int64_t kMaxSize = int64_t{1} << 40;  // descriptor fields: shape.cc refuses far less
constexpr size_t kMaxLine = 4096;

// FNV-1a over the kernel names in table order: a library built with other
// kernels (or the same ones listed differently) has another hash.
std::string kernel_list_hash() {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < kernel_count(); ++i) {
    for (const char* c = kernel_at(i).name; *c; ++c) h = (h ^ static_cast<unsigned char>(*c)) * 1099511628211ull;
    h = (h ^ '\n') * 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, h);
  return text;
}

// A vendor string as one token: anything but printable non-space ASCII becomes '_'.
std::string token_safe(const std::string& s) {
  std::string out = s.empty() ? "unknown" : s;
  for (char& c : out) {
    if (c <= ' ' || c > '~') c = '_';
  }
  return out;
}

std::string cpu_line(const CpuIdentity& id) {
  char text[512];
  std::snprintf(text, sizeof text, "vendor=%s family=%d model=%d features=%s l1d=%zu l2=%zu l3=%zu",
                token_safe(id.vendor).c_str(), id.family, id.model, id.features.c_str(), id.l1d, id.l2, id.l3);
  return text;
}

const char* layout_name(xconv_layout l) { return l == XCONV_LAYOUT_NHWC ? "nhwc" : "nchw"; }

const char* weight_layout_name(xconv_weight_layout w) {
  return w == XCONV_WEIGHTS_OHWI ? "ohwi" : w == XCONV_WEIGHTS_HWIO ? "hwio" : "oihw";
}

// One line's tokens, read in order: `key=value` pairs and bare words.
class Tokens {
 public:
  explicit Tokens(std::string_view line) : rest_(line) {}

  // The next token, or an empty view at the end.
  std::string_view next() {
    while (!rest_.empty() && rest_.front() == ' ') rest_.remove_prefix(1);
    const size_t end = std::min(rest_.find(' '), rest_.size());
    const std::string_view token = rest_.substr(0, end);
    rest_.remove_prefix(end);
    return token;
  }

  // The value of the next token if it is `key=value`.
  bool value(const char* key, std::string_view* out) {
    const std::string_view token = next();
    const size_t n = std::strlen(key);
    if (token.size() <= n || token.substr(0, n) != key || token[n] != '=') return false;
    *out = token.substr(n + 1);
    return true;
  }

  bool at_end() { return next().empty(); }

 private:
  std::string_view rest_;
};

bool parse_int(std::string_view text, int64_t lo, int64_t hi, int64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  const std::string s(text);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size() || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) return false;
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

// A whole token as a real number through strtof or strtod.
template <class Real>
bool parse_real(std::string_view text, Real (*convert)(const char*, char**), Real* out) {
  if (text.empty() || text.size() > 40) return false;
  const std::string s(text);
  char* end = nullptr;
  *out = convert(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// A float as problem_text prints it: %.9g, which reads back exactly, or inf/-inf.
bool parse_float(std::string_view text, float* out) { return parse_real(text, std::strtof, out) && !std::isnan(*out); }

bool parse_gflops(std::string_view text, double* out) {
  return parse_real(text, std::strtod, out) && std::isfinite(*out) && *out >= 0 && *out <= kMaxGflops;
}

// "AxB" or "A,B,C,D": `count` integers separated by `separator`.
bool parse_ints(std::string_view text, char separator, size_t count, int64_t lo, int64_t* out) {
  for (size_t i = 0; i < count; ++i) {
    const size_t end = i + 1 < count ? text.find(separator) : text.size();
    if (end == std::string_view::npos) return false;
    if (!parse_int(text.substr(0, end), lo, kMaxSize, &out[i])) return false;
    text.remove_prefix(std::min(text.size(), end + 1));
  }
  return true;
}

// The problem tokens into a descriptor, checked as xconv_plan_create would.
// On failure *message says which token or what the descriptor check said.
bool parse_problem(Tokens& t, xconv_conv2d_desc* d, bool* prelu, int* threads, std::string* message) {
  xconv_conv2d_desc_init(d);
  std::string_view v;
  int64_t pairs[4];
  const struct { const char* key; int64_t* field; } sizes[] = {
      {"n", &d->batch}, {"c", &d->in_channels}, {"h", &d->in_height}, {"w", &d->in_width},
      {"k", &d->out_channels}, {"r", &d->kernel_height}, {"s", &d->kernel_width}};
  for (const auto& f : sizes) {
    if (!t.value(f.key, &v) || !parse_int(v, 0, kMaxSize, f.field)) return *message = std::string("bad ") + f.key + "=", false;
  }
  if (!t.value("stride", &v) || !parse_ints(v, 'x', 2, 0, pairs)) return *message = "bad stride=", false;
  d->stride_height = pairs[0], d->stride_width = pairs[1];
  if (!t.value("dilation", &v) || !parse_ints(v, 'x', 2, 0, pairs)) return *message = "bad dilation=", false;
  d->dilation_height = pairs[0], d->dilation_width = pairs[1];
  if (!t.value("pad", &v) || !parse_ints(v, ',', 4, 0, pairs)) return *message = "bad pad=", false;
  d->pad_top = pairs[0], d->pad_left = pairs[1], d->pad_bottom = pairs[2], d->pad_right = pairs[3];
  if (!t.value("groups", &v) || !parse_int(v, 0, kMaxSize, &d->groups)) return *message = "bad groups=", false;
  if (!t.value("layout", &v) || (v != "nchw" && v != "nhwc")) return *message = "bad layout=", false;
  d->layout = v == "nhwc" ? XCONV_LAYOUT_NHWC : XCONV_LAYOUT_NCHW;
  if (!t.value("weights", &v) || (v != "oihw" && v != "ohwi" && v != "hwio")) return *message = "bad weights=", false;
  d->weight_layout = v == "ohwi" ? XCONV_WEIGHTS_OHWI : v == "hwio" ? XCONV_WEIGHTS_HWIO : XCONV_WEIGHTS_OIHW;
  if (!t.value("min", &v) || !parse_float(v, &d->output_min)) return *message = "bad min=", false;
  if (!t.value("max", &v) || !parse_float(v, &d->output_max)) return *message = "bad max=", false;
  int64_t flag = 0;
  if (!t.value("residual", &v) || !parse_int(v, 0, 1, &flag)) return *message = "bad residual=", false;
  d->has_residual = static_cast<int>(flag);
  if (!t.value("residual_scale", &v) || !parse_float(v, &d->residual_scale)) return *message = "bad residual_scale=", false;
  if (!t.value("slope", &v) || !parse_float(v, &d->negative_slope)) return *message = "bad slope=", false;
  if (!t.value("prelu", &v) || !parse_int(v, 0, 1, &flag)) return *message = "bad prelu=", false;
  *prelu = flag != 0;
  if (!t.value("in_stride", &v) || !parse_ints(v, ',', 2, 0, pairs)) return *message = "bad in_stride=", false;
  d->input_stride = pairs[0], d->input_image_stride = pairs[1];
  if (!t.value("out_stride", &v) || !parse_ints(v, ',', 2, 0, pairs)) return *message = "bad out_stride=", false;
  d->output_stride = pairs[0], d->output_image_stride = pairs[1];
  int64_t n = 0;
  if (!t.value("threads", &v) || !parse_int(v, 1, kMaxThreads, &n)) return *message = "bad threads=", false;
  *threads = static_cast<int>(n);
  ConvShape shape;
  if (validate_desc("wisdom", d, &shape) != XCONV_OK) return *message = last_error(), false;
  return true;
}

// The choice tokens, checked against this build and CPU.
bool parse_choice(Tokens& t, WisdomEntry* e, std::string* message) {
  std::string_view v;
  ConvPath path;
  if (!t.value("path", &v) || !path_from_name(v, &path)) return *message = "bad path= (not a path of xconv)", false;
  e->path = v;
  if (!t.value("isa", &v)) return *message = "bad isa=", false;
  e->isa = v;
  const IsaInfo* isa = nullptr;
  for (const IsaInfo& info : kIsas) {
    if (v == info.name) isa = &info;
  }
  if (isa == nullptr) return *message = "isa=" + e->isa + " is not an ISA of xconv", false;
  if (!isa_runnable(isa->isa)) return *message = "isa=" + e->isa + " is not built here or this CPU cannot run it", false;
  if (!t.value("kernel", &v)) return *message = "bad kernel=", false;
  e->kernel = v;
  const bool direct = runs_loops(path);
  if (direct != (v == "-")) return *message = "kernel= must be '-' exactly for the direct paths", false;
  if (!direct) {
    const KernelInfo* k = find_kernel(e->kernel.c_str());
    if (k == nullptr) return *message = "kernel=" + e->kernel + " is not a kernel of this library", false;
    if (k->isa != isa->isa) return *message = "kernel=" + e->kernel + " is not an isa=" + e->isa + " kernel", false;
    if ((k->family == KernelFamily::kIgemm) != (path == ConvPath::kIndirectGemm)) {
      return *message = "kernel=" + e->kernel + " is not of path=" + e->path, false;
    }
  }
  const struct { const char* key; int64_t* field; } blocks[] = {{"kc", &e->kc}, {"mc", &e->mc}, {"nc", &e->nc}};
  for (const auto& b : blocks) {
    if (!t.value(b.key, &v) || !parse_int(v, 0, kMaxBlock, b.field)) {
      return *message = std::string("bad ") + b.key + "= (0 to " + std::to_string(kMaxBlock) + ")", false;
    }
  }
  int64_t threads = 0;
  if (!t.value("use_threads", &v) || !parse_int(v, 1, kMaxThreads, &threads)) return *message = "bad use_threads=", false;
  e->threads = static_cast<int>(threads);
  if (!t.value("gflops", &v) || !parse_gflops(v, &e->gflops)) return *message = "bad gflops=", false;
  if (!t.value("default_gflops", &v) || !parse_gflops(v, &e->default_gflops)) return *message = "bad default_gflops=", false;
  if (!t.at_end()) return *message = "unexpected text after default_gflops=", false;
  return true;
}

// The header after the magic line, in order: what the file was written for.
struct HeaderLine {
  const char* word;
  std::string WisdomHeader::*field;
  bool single_token;     // the cpu line has several
  const char* mismatch;  // why a file that differs is ignored
};
const HeaderLine kHeaderLines[] = {
    {"version", &WisdomHeader::version, true, "written by another xconv version"},
    {"kernels", &WisdomHeader::kernels, true, "written for another kernel list"},
    {"cpu", &WisdomHeader::cpu, false, "written for another CPU"},
};

// "line N: what" into *message; returns kInvalid.
WisdomParse invalid(size_t line, const std::string& what, std::string* message) {
  *message = "line " + std::to_string(line) + ": " + what;
  return WisdomParse::kInvalid;
}

}  // namespace

WisdomHeader this_build_header() {
  return WisdomHeader{xconv_version(), kernel_list_hash(), cpu_line(cpu_identity())};
}

std::string problem_text(const xconv_conv2d_desc& d, bool prelu, int max_threads) {
  char text[768];
  std::snprintf(text, sizeof text,
                "n=%" PRId64 " c=%" PRId64 " h=%" PRId64 " w=%" PRId64 " k=%" PRId64 " r=%" PRId64 " s=%" PRId64
                " stride=%" PRId64 "x%" PRId64 " dilation=%" PRId64 "x%" PRId64 " pad=%" PRId64 ",%" PRId64
                ",%" PRId64 ",%" PRId64 " groups=%" PRId64 " layout=%s weights=%s min=%.9g max=%.9g residual=%d"
                " residual_scale=%.9g slope=%.9g prelu=%d in_stride=%" PRId64 ",%" PRId64 " out_stride=%" PRId64
                ",%" PRId64 " threads=%d",
                d.batch, d.in_channels, d.in_height, d.in_width, d.out_channels, d.kernel_height, d.kernel_width,
                d.stride_height, d.stride_width, d.dilation_height, d.dilation_width, d.pad_top, d.pad_left,
                d.pad_bottom, d.pad_right, d.groups, layout_name(d.layout), weight_layout_name(d.weight_layout),
                static_cast<double>(d.output_min), static_cast<double>(d.output_max), d.has_residual ? 1 : 0,
                static_cast<double>(d.residual_scale), static_cast<double>(d.negative_slope), prelu ? 1 : 0,
                d.input_stride, d.input_image_stride, d.output_stride, d.output_image_stride, max_threads);
  return text;
}

bool parse_problem_text(std::string_view text, xconv_conv2d_desc* desc, bool* prelu, int* max_threads,
                        std::string* message) {
  Tokens t(text);
  if (!parse_problem(t, desc, prelu, max_threads, message)) return false;
  if (!t.at_end()) return *message = "unexpected text after threads=", false;
  return true;
}

WisdomParse parse_wisdom(std::string_view text, const WisdomHeader* expected, std::vector<WisdomEntry>* entries,
                         std::string* message) {
  entries->clear();
  enum Expect { kMagicLine, kHeader, kPlans, kDone } expect = kMagicLine;
  size_t header = 0;  // the next of kHeaderLines
  std::map<std::string, size_t> seen;  // problem -> its line
  size_t number = 0;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    const bool terminated = end < text.size();
    text.remove_prefix(std::min(text.size(), end + 1));
    ++number;
    if (line.size() > kMaxLine) return invalid(number, "longer than " + std::to_string(kMaxLine) + " bytes", message);
    if (!terminated) return invalid(number, "the file ends inside this line (truncated?)", message);
    if (line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
      return invalid(number, "control characters", message);
    }
    if (line.empty() || line[0] == '#') continue;
    if (expect == kDone) return invalid(number, "text after the 'end' line", message);
    Tokens t(line);
    const std::string_view word = t.next();
    std::string_view rest = line.substr(std::min(line.size(), word.size() + 1));
    switch (expect) {
      case kMagicLine:
        if (line != kMagic) return invalid(number, "not an xconv wisdom file (expected 'xconv-wisdom 1')", message);
        expect = kHeader;
        break;
      case kHeader: {
        const HeaderLine& h = kHeaderLines[header];
        const bool one_token = rest.find(' ') == std::string_view::npos;
        if (word != h.word || rest.empty() || (h.single_token && !one_token)) {
          return invalid(number, std::string("expected '") + h.word + "' and its value", message);
        }
        if (expected && rest != expected->*h.field) {
          *message = std::string(h.mismatch) + " (" + std::string(rest) + "; here: " + expected->*h.field + ")";
          return WisdomParse::kIgnored;
        }
        if (++header == std::size(kHeaderLines)) expect = kPlans;
        break;
      }
      case kPlans: {
        if (word == "end") {
          int64_t count = 0;
          if (!parse_int(rest, 0, INT64_MAX, &count) || static_cast<size_t>(count) != entries->size()) {
            return invalid(number, "'end' must give the number of plan lines, " + std::to_string(entries->size()),
                           message);
          }
          expect = kDone;
          break;
        }
        if (word != "plan") return invalid(number, "expected 'plan' or 'end'", message);
        xconv_conv2d_desc d;
        bool prelu = false;
        int threads = 0;
        std::string what;
        if (!parse_problem(t, &d, &prelu, &threads, &what)) return invalid(number, what, message);
        if (t.next() != "=>") return invalid(number, "expected '=>' after threads=", message);
        WisdomEntry e;
        if (!parse_choice(t, &e, &what)) return invalid(number, what, message);
        if (e.threads > threads) return invalid(number, "use_threads= exceeds the problem's threads=", message);
        e.problem = problem_text(d, prelu, threads);
        const auto [it, fresh] = seen.emplace(e.problem, number);
        if (!fresh) return invalid(number, "the same problem as line " + std::to_string(it->second), message);
        entries->push_back(std::move(e));
        break;
      }
      case kDone: break;
    }
  }
  if (expect != kDone) {
    entries->clear();
    return invalid(number, "the file ends before its 'end' line (truncated?)", message);
  }
  return WisdomParse::kLoaded;
}

std::string format_wisdom(const WisdomHeader& header, const std::vector<WisdomEntry>& entries) {
  std::string out;
  out += kMagic;
  out += "\n# Tuned plan choices for xconv (xconv.h, \"Wisdom\"), written by xconv_wisdom_save.\n";
  out += "version " + header.version + "\nkernels " + header.kernels + "\ncpu " + header.cpu + "\n";
  for (const WisdomEntry& e : entries) {
    char choice[512];
    std::snprintf(choice, sizeof choice,
                  " => path=%s isa=%s kernel=%s kc=%" PRId64 " mc=%" PRId64 " nc=%" PRId64
                  " use_threads=%d gflops=%.2f default_gflops=%.2f\n",
                  e.path.c_str(), e.isa.c_str(), e.kernel.c_str(), e.kc, e.mc, e.nc, e.threads, e.gflops,
                  e.default_gflops);
    out += "plan " + e.problem + choice;
  }
  out += "end " + std::to_string(entries.size()) + "\n";
  return out;
}

}  // namespace xconv
