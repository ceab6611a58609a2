// Reading a caller's public struct under xconv.h's ABI policy: each starts
// with `size`; the fields that size covers are the caller's, the rest keep
// their _init defaults, and a size this library does not know is refused.
#ifndef XCONV_KERNELS_FRAME_SIZED_STRUCT_H_
#define XCONV_KERNELS_FRAME_SIZED_STRUCT_H_

#include <cstddef>
#include <cstring>

#include "kernels/frame/error.h"
#include "xconv/xconv.h"

namespace xconv {

// *out holds the defaults on entry. first_version: the struct's size when it
// was first published (the smallest a caller may pass). `what` names the
// struct in the message, `who` the API call.
template <class Struct>
xconv_status read_sized(const char* who, const char* what, const Struct& in, size_t first_version, Struct* out) {
  if (in.size < first_version || in.size > sizeof(Struct)) {
    return fail(XCONV_INVALID_ARGUMENT,
                "%s: %s.size is %zu, not a size this xconv knows (%zu to %zu): initialise it with its _init "
                "function",
                who, what, in.size, first_version, sizeof(Struct));
  }
  std::memcpy(static_cast<void*>(out), &in, in.size);
  out->size = sizeof(Struct);  // *out is whole now
  return XCONV_OK;
}

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_SIZED_STRUCT_H_
