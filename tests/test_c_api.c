/* The header is C: a C11 program includes it, links libxconv and runs the
 * seed's first case (1x3x5x5 -> 2 channels, 3x3, pad 1) against a direct
 * loop, then checks that a bad descriptor returns a status and a message. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xconv/xconv.h"

int main(void) {
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 1, d.in_channels = 3, d.in_height = 5, d.in_width = 5;
  d.out_channels = 2, d.kernel_height = 3, d.kernel_width = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  float x[75], w[54], b[2] = {0.5f, -1.0f}, y[50];
  for (int i = 0; i < 75; ++i) x[i] = (float)((i * 7) % 11) - 5.0f;
  for (int i = 0; i < 54; ++i) w[i] = (float)((i * 5) % 7) * 0.25f - 0.75f;
  if (xconv_conv2d(&d, x, w, b, y) != XCONV_OK) {
    fprintf(stderr, "xconv_conv2d: %s\n", xconv_last_error());
    return 1;
  }
  for (int o = 0; o < 2; ++o)
    for (int h = 0; h < 5; ++h)
      for (int v = 0; v < 5; ++v) {
        double sum = b[o];
        for (int c = 0; c < 3; ++c)
          for (int r = 0; r < 3; ++r)
            for (int s = 0; s < 3; ++s) {
              int ih = h + r - 1, iw = v + s - 1;
              if (ih >= 0 && ih < 5 && iw >= 0 && iw < 5) sum += w[((o * 3 + c) * 3 + r) * 3 + s] * x[(c * 5 + ih) * 5 + iw];
            }
        /* Small integers and quarters: every partial sum is exact in float. */
        if (y[(o * 5 + h) * 5 + v] != (float)sum) {
          fprintf(stderr, "y[%d][%d][%d] = %g, expected %g\n", o, h, v, y[(o * 5 + h) * 5 + v], sum);
          return 1;
        }
      }
  d.stride_height = 0;
  if (xconv_conv2d(&d, x, w, b, y) != XCONV_INVALID_ARGUMENT || strstr(xconv_last_error(), "stride_height") == NULL) {
    fprintf(stderr, "bad descriptor not reported: %s\n", xconv_last_error());
    return 1;
  }
  /* From C any int can reach an enum parameter: named, never undefined. */
  if (strcmp(xconv_status_string((xconv_status)123), "unknown xconv_status") != 0 ||
      strcmp(xconv_isa_name((xconv_isa)77), "unknown") != 0) {
    fprintf(stderr, "out-of-range enums not handled\n");
    return 1;
  }
  /* Wisdom from C: a missing file is an error naming it, and nothing is held. */
  xconv_set_log(NULL, NULL);
  if (xconv_wisdom_load("/nonexistent/app.wisdom") != XCONV_INVALID_ARGUMENT ||
      strstr(xconv_last_error(), "/nonexistent/app.wisdom") == NULL || xconv_wisdom_count() != 0) {
    fprintf(stderr, "missing wisdom file not reported: %s\n", xconv_last_error());
    return 1;
  }
  xconv_wisdom_clear();
  printf("C API ok: %s\n", xconv_version());
  return 0;
}
