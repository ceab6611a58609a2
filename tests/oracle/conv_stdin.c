/* A user's program, built outside the repository against the installed
 * library (pkg-config xconv): reads one convolution from stdin, runs it with
 * xconv_conv2d and writes the status and output to stdout. Driven by
 * torch_oracle.py, which compares with torch.nn.functional.conv2d.
 *
 * stdin:  20 int64 (the 16 sizes of xconv_conv2d_desc in declaration order,
 *         layout, weight_layout, has_bias, unused), 2 float (output_min,
 *         output_max), then input, weights and bias as float32.
 * stdout: int32 status, then the output floats when the status is XCONV_OK. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <xconv/xconv.h>

static int read_all(void* to, size_t size, size_t count) { return fread(to, size, count, stdin) == count; }

int main(void) {
  int64_t f[20];
  float clamp[2];
  if (!read_all(f, sizeof f[0], 20) || !read_all(clamp, sizeof clamp[0], 2)) return 2;
  xconv_conv2d_desc d;
  xconv_conv2d_desc_init(&d);
  d.batch = f[0], d.in_channels = f[1], d.in_height = f[2], d.in_width = f[3];
  d.out_channels = f[4], d.kernel_height = f[5], d.kernel_width = f[6];
  d.stride_height = f[7], d.stride_width = f[8], d.dilation_height = f[9], d.dilation_width = f[10];
  d.pad_top = f[11], d.pad_left = f[12], d.pad_bottom = f[13], d.pad_right = f[14], d.groups = f[15];
  d.layout = (xconv_layout)f[16];
  d.weight_layout = (xconv_weight_layout)f[17];
  d.output_min = clamp[0], d.output_max = clamp[1];

  int64_t oh = 0, ow = 0;
  int32_t status = xconv_conv2d_output_size(&d, &oh, &ow);
  if (status != XCONV_OK) {
    fprintf(stderr, "%s\n", xconv_last_error());
    fwrite(&status, sizeof status, 1, stdout);
    return 0;
  }
  size_t in_n = (size_t)(d.batch * d.in_channels * d.in_height * d.in_width);
  size_t w_n = (size_t)(d.out_channels * (d.in_channels / d.groups) * d.kernel_height * d.kernel_width);
  size_t out_n = (size_t)(d.batch * d.out_channels * oh * ow);
  float* in = malloc(in_n * sizeof(float));
  float* w = malloc(w_n * sizeof(float));
  float* b = malloc((size_t)d.out_channels * sizeof(float));
  float* out = malloc(out_n * sizeof(float));
  if (!in || !w || !b || !out) return 3;
  if (!read_all(in, sizeof(float), in_n) || !read_all(w, sizeof(float), w_n)) return 2;
  if (f[18] && !read_all(b, sizeof(float), (size_t)d.out_channels)) return 2;
  status = xconv_conv2d(&d, in, w, f[18] ? b : NULL, out);
  fwrite(&status, sizeof status, 1, stdout);
  if (status == XCONV_OK) fwrite(out, sizeof(float), out_n, stdout);
  else fprintf(stderr, "%s\n", xconv_last_error());
  free(in), free(w), free(b), free(out);
  return 0;
}
