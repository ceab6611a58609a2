#include "kernels/frame/wisdom.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

#include <unistd.h>

#include "kernels/frame/error.h"
#include "kernels/frame/isa.h"
#include "kernels/frame/log.h"
#include "kernels/frame/raw_enum.h"

namespace xconv {
namespace {

constexpr size_t kMaxFileBytes = 64u << 20;  // a wisdom file of a million problems is not one

std::mutex store_mutex;
std::map<std::string, WisdomEntry>& store() {
  static auto* entries = new std::map<std::string, WisdomEntry>;  // never destroyed: plans may outlive main
  return *entries;
}

// Reads, parses and merges a file. as_warning: XCONV_WISDOM's load, whose
// faults are warnings rather than the caller's errors.
xconv_status load_file(const char* path, bool as_warning) {
  const auto fault = [&](xconv_status status, const std::string& what) {
    if (as_warning) {
      warn("XCONV_WISDOM: %s; plans use the cost model", what.c_str());
      return XCONV_OK;
    }
    return fail(status, "xconv_wisdom_load: %s", what.c_str());
  };
  std::ifstream file(path, std::ios::binary);
  if (!file) return fault(XCONV_INVALID_ARGUMENT, std::string("cannot open ") + path);
  std::string text;
  char chunk[65536];
  while (file.read(chunk, sizeof chunk) || file.gcount() > 0) {
    text.append(chunk, static_cast<size_t>(file.gcount()));
    if (text.size() > kMaxFileBytes) return fault(XCONV_INVALID_ARGUMENT, std::string(path) + ": larger than 64 MiB");
  }
  const WisdomHeader header = this_build_header();
  std::vector<WisdomEntry> entries;
  std::string message;
  switch (parse_wisdom(text, &header, &entries, &message)) {
    case WisdomParse::kInvalid: return fault(XCONV_INVALID_ARGUMENT, std::string(path) + ": " + message);
    case WisdomParse::kIgnored:
      warn("wisdom file %s ignored: %s", path, message.c_str());
      return XCONV_OK;
    case WisdomParse::kLoaded: break;
  }
  std::lock_guard<std::mutex> lock(store_mutex);
  for (WisdomEntry& e : entries) store()[e.problem] = std::move(e);
  return XCONV_OK;
}

void load_environment_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* path = std::getenv("XCONV_WISDOM");
    if (path != nullptr && *path != '\0') load_file(path, true);
  });
}

bool forces_choice(const xconv_plan_options& o) {
  const char* env_isa = std::getenv("XCONV_ISA");
  return raw_enum(o.isa) != XCONV_ISA_AUTO || o.kernel != nullptr || o.path != nullptr || o.kc != 0 || o.mc != 0 ||
         o.nc != 0 || (env_isa != nullptr && *env_isa != '\0');
}

bool lookup(const std::string& problem, WisdomEntry* out) {
  load_environment_once();
  std::lock_guard<std::mutex> lock(store_mutex);
  const auto it = store().find(problem);
  if (it == store().end()) return false;
  *out = it->second;
  return true;
}

xconv_isa isa_named(const std::string& name) {
  for (const IsaInfo& info : kIsas) {
    if (name == info.name) return info.isa;
  }
  return XCONV_ISA_AUTO;  // not reached: entries are checked when parsed or added
}

}  // namespace

const char* choice_source_name(ChoiceSource source) {
  switch (source) {
    case ChoiceSource::kHeuristic: return "heuristic";
    case ChoiceSource::kWisdom: return "wisdom";
    case ChoiceSource::kOptions: return "options";
  }
  return "unknown";
}

void resolve_options(const xconv_conv2d_desc& d, bool prelu, int max_threads, const xconv_plan_options& options,
                     ResolvedOptions* r) {
  r->options = options;
  r->source = ChoiceSource::kHeuristic;
  if (forces_choice(options)) {
    r->source = ChoiceSource::kOptions;
    return;
  }
  if (!lookup(problem_text(d, prelu, max_threads), &r->entry)) return;
  const WisdomEntry& e = r->entry;
  xconv_plan_options& o = r->options;
  o.isa = isa_named(e.isa);
  o.path = e.path.c_str();
  o.kernel = e.kernel == "-" ? nullptr : e.kernel.c_str();
  o.kc = e.kc, o.mc = e.mc, o.nc = e.nc;
  o.num_threads = e.threads;
  o.use_all_threads = 1;
  r->source = ChoiceSource::kWisdom;
}

void fall_back_from_wisdom(ResolvedOptions* r, const xconv_plan_options& options, const char* why) {
  warn("the wisdom entry for '%s' does not apply (%s); using the cost model", r->entry.problem.c_str(), why);
  r->options = options;
  r->source = ChoiceSource::kHeuristic;
}

xconv_status wisdom_load(const char* path) {
  load_environment_once();
  if (path == nullptr) return fail(XCONV_INVALID_ARGUMENT, "xconv_wisdom_load: path is NULL");
  return load_file(path, false);
}

xconv_status wisdom_save(const char* path) {
  load_environment_once();
  if (path == nullptr || *path == '\0') return fail(XCONV_INVALID_ARGUMENT, "xconv_wisdom_save: path is NULL or empty");
  std::vector<WisdomEntry> entries;
  {
    std::lock_guard<std::mutex> lock(store_mutex);
    for (const auto& [problem, e] : store()) entries.push_back(e);
  }
  const std::string text = format_wisdom(this_build_header(), entries);
  // A temporary file beside the target, renamed over it: a reader never sees half a file.
  const std::string temporary = std::string(path) + ".tmp." + std::to_string(getpid());
  std::FILE* f = std::fopen(temporary.c_str(), "wb");
  if (f == nullptr) {
    return fail(XCONV_INVALID_ARGUMENT, "xconv_wisdom_save: cannot create %s: %s", temporary.c_str(),
                std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed || std::rename(temporary.c_str(), path) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    return fail(XCONV_INVALID_ARGUMENT, "xconv_wisdom_save: cannot write %s: %s", path, std::strerror(error));
  }
  return XCONV_OK;
}

void wisdom_clear() {
  load_environment_once();  // so that a later first plan does not load XCONV_WISDOM after all
  std::lock_guard<std::mutex> lock(store_mutex);
  store().clear();
}

xconv_status wisdom_add(const std::string& problem, const WisdomEntry& choice) {
  load_environment_once();
  WisdomEntry e = choice;
  e.problem = problem;
  std::lock_guard<std::mutex> lock(store_mutex);
  store()[problem] = std::move(e);
  return XCONV_OK;
}

size_t wisdom_count() {
  load_environment_once();
  std::lock_guard<std::mutex> lock(store_mutex);
  return store().size();
}

}  // namespace xconv
