// Reads an enum field of a caller's struct as the int a C caller stored.
//
// The C API's enums may hold any int (C allows it), but in C++ an enum
// without a fixed underlying type only has the values of its enumerators'
// bit range: loading 7 through an xconv_layout lvalue is undefined (UBSan
// reports it). Validation therefore looks at the bytes, never the enum.
#ifndef XCONV_KERNELS_FRAME_RAW_ENUM_H_
#define XCONV_KERNELS_FRAME_RAW_ENUM_H_

#include <cstring>

namespace xconv {

template <typename Enum>
int raw_enum(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int), "C enums are int-sized on our ABIs");
  int value;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_RAW_ENUM_H_
