/* A C11 program as a user writes it, from the installed (or embedded)
 * xconv: a 3x3 convolution with bias and ReLU, run through a plan with the
 * default options, checked against a direct loop. Prints "ok" or fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <xconv/xconv.h>

enum { C = 5, H = 9, W = 11, K = 7 };

int main(void) {
  static float x[C * H * W], w[K * C * 9], b[K], y[K * H * W];
  for (int i = 0; i < C * H * W; ++i) x[i] = (float)((i * 37) % 17) / 8.0f - 1.0f;
  for (int i = 0; i < K * C * 9; ++i) w[i] = (float)((i * 11) % 13) / 6.0f - 1.0f;
  for (int k = 0; k < K; ++k) b[k] = 0.25f * (float)k - 0.5f;
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = 1, d.in_channels = C, d.in_height = H, d.in_width = W, d.out_channels = K;
  d.kernel_height = d.kernel_width = 3;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = 1;
  d.output_min = 0.0f;
  xconv_plan* plan = NULL;
  if (xconv_plan_create(&d, w, b, NULL, &plan) != XCONV_OK || xconv_plan_run(plan, x, y, NULL) != XCONV_OK) {
    fprintf(stderr, "xconv: %s\n", xconv_last_error());
    return 1;
  }
  xconv_plan_destroy(plan);
  for (int k = 0; k < K; ++k) {
    for (int oh = 0; oh < H; ++oh) {
      for (int ow = 0; ow < W; ++ow) {
        double sum = b[k];
        for (int c = 0; c < C; ++c)
          for (int r = 0; r < 3; ++r)
            for (int s = 0; s < 3; ++s) {
              const int ih = oh + r - 1, iw = ow + s - 1;
              if (ih >= 0 && ih < H && iw >= 0 && iw < W) sum += (double)w[((k * C + c) * 3 + r) * 3 + s] * x[(c * H + ih) * W + iw];
            }
        const double want = sum > 0 ? sum : 0;
        if (fabs(y[(k * H + oh) * W + ow] - want) > 1e-4) {
          fprintf(stderr, "wrong at k=%d oh=%d ow=%d: %g, want %g\n", k, oh, ow, y[(k * H + oh) * W + ow], want);
          return 1;
        }
      }
    }
  }
  printf("C consumer of xconv %s (header %d.%d.%d): ok\n", xconv_version(), XCONV_VERSION_MAJOR, XCONV_VERSION_MINOR,
         XCONV_VERSION_PATCH);
  return 0;
}
