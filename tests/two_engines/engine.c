/* An "engine": a shared library that links the static libxconv and exports
 * only its own function (ENGINE_FN), which reports the xconv version it
 * calls and whether a small convolution through it is right. */
#include <stddef.h>
#include <string.h>

#include "xconv/xconv.h"

__attribute__((visibility("default"))) const char* ENGINE_FN(void) {
  /* 1x1x3x3 input of ones, one 2x2 filter of ones: every output is 4. */
  float input[9], weights[4], output[4];
  for (int i = 0; i < 9; ++i) input[i] = 1.0f;
  for (int i = 0; i < 4; ++i) weights[i] = 1.0f;
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = d.in_channels = d.out_channels = 1;
  d.in_height = d.in_width = 3;
  d.kernel_height = d.kernel_width = 2;
  if (xconv_conv2d(&d, input, weights, NULL, output) != XCONV_OK) return "conv failed";
  for (int i = 0; i < 4; ++i) {
    if (output[i] != 4.0f) return "wrong result";
  }
  return xconv_version();
}
