#include "kernels/frame/isa.h"

#include "kernels/frame/cpu.h"

namespace xconv {
namespace {

bool cpu_has(bool CpuFeatures::*needs) { return needs == nullptr || cpu_features().*needs; }

const HwyTargetInfo* target_info(HwyTarget target) {
  for (const HwyTargetInfo& t : kHwyTargets) {
    if (t.target == target) return &t;
  }
  return nullptr;
}

}  // namespace

const IsaInfo* isa_info(int isa) {
  for (const IsaInfo& info : kIsas) {
    if (info.isa == isa) return &info;
  }
  return nullptr;
}

const char* isa_name(int isa) {
  if (isa == XCONV_ISA_AUTO) return "auto";
  const IsaInfo* info = isa_info(isa);
  return info ? info->name : "unknown";
}

bool isa_runnable(xconv_isa isa) {
  const IsaInfo* info = isa_info(isa);
  return info != nullptr && info->built && cpu_has(info->needs);
}

xconv_isa best_isa() {
  for (const IsaInfo& info : kIsas) {
    if (isa_runnable(info.isa)) return info.isa;
  }
  return XCONV_ISA_SCALAR;
}

HwyTarget first_runnable(const HwyTarget (&targets)[kMaxHwyTargets]) {
  for (HwyTarget target : targets) {
    if (target == HwyTarget::kNone) break;
    const HwyTargetInfo* info = target_info(target);
    if (info != nullptr && cpu_has(info->needs)) return target;
  }
  return HwyTarget::kNone;
}

size_t hwy_target_lanes(HwyTarget target) {
  const HwyTargetInfo* info = target_info(target);
  return info ? info->lanes : 1;
}

const char* hwy_target_name(HwyTarget target) {
  const HwyTargetInfo* info = target_info(target);
  return info ? info->name : "none";
}

}  // namespace xconv
