/* xconv: 2-D convolution (the cross-correlation of torch.nn.functional.conv2d)
 * on CPUs, f32, computed as a GEMM whose im2col step is fused into packing.
 *
 * This is the stable C API. No C++ exception ever crosses it: every call
 * that can fail returns an xconv_status, and xconv_last_error() gives a
 * message naming the offending field for the calling thread's last failure.
 *
 * Tensor layouts (dense by default; see the strides in xconv_conv2d_desc):
 *   input   NCHW: [batch][in_channels][in_height][in_width]
 *           NHWC: [batch][in_height][in_width][in_channels]
 *   output  same activation layout as the input, with out_channels,
 *           out_height and out_width (see xconv_conv2d_output_size).
 *   weights OIHW: [out_channels][in_channels/groups][kernel_h][kernel_w]
 *           OHWI: [out_channels][kernel_h][kernel_w][in_channels/groups]
 *           HWIO: [kernel_h][kernel_w][in_channels/groups][out_channels]
 *   bias    [out_channels], or NULL for none.
 */
#ifndef XCONV_XCONV_H_
#define XCONV_XCONV_H_

#include <stddef.h>
#include <stdint.h>

/* The version of this header; xconv_version() gives the library's. Minor
 * versions add to the API and to the ends of the public structs (see "ABI
 * policy" below); a major version may change them. */
#define XCONV_VERSION_MAJOR 0
#define XCONV_VERSION_MINOR 2
#define XCONV_VERSION_PATCH 0

/* A static libxconv is built with XCONV_HIDE_API: its functions are hidden,
 * so a shared library that links it does not export them, and two such
 * libraries carrying different xconv versions cannot interpose each other's.
 * A shared libxconv exports exactly these functions. */
#if defined(XCONV_HIDE_API) && defined(__GNUC__)
#define XCONV_API __attribute__((visibility("hidden")))
#elif defined(__GNUC__)
#define XCONV_API __attribute__((visibility("default")))
#else
#define XCONV_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum xconv_status {
  XCONV_OK = 0,
  XCONV_INVALID_ARGUMENT = 1, /* bad descriptor, pointer or option */
  XCONV_UNSUPPORTED = 2,      /* valid, but not available here (e.g. an ISA the CPU lacks) */
  XCONV_OUT_OF_MEMORY = 3,    /* an allocation failed; nothing was written */
  XCONV_INTERNAL_ERROR = 4    /* a bug in xconv: please report it */
} xconv_status;

typedef enum xconv_layout {
  XCONV_LAYOUT_NCHW = 0,
  XCONV_LAYOUT_NHWC = 1
} xconv_layout;

typedef enum xconv_weight_layout {
  XCONV_WEIGHTS_OIHW = 0,
  XCONV_WEIGHTS_OHWI = 1,
  XCONV_WEIGHTS_HWIO = 2
} xconv_weight_layout;

/* Instruction sets a plan can run on. AUTO picks the best the CPU supports. */
typedef enum xconv_isa {
  XCONV_ISA_AUTO = 0,
  XCONV_ISA_SCALAR = 1, /* portable C++, any CPU */
  XCONV_ISA_HWY = 2,    /* Google Highway, baseline SIMD (SSE4 on x86, NEON on Arm) */
  XCONV_ISA_AVX2 = 3,   /* AVX2 + FMA3 */
  XCONV_ISA_AVX512 = 4, /* AVX-512 F + VL */
  XCONV_ISA_NEON = 5    /* AArch64 Advanced SIMD */
} xconv_isa;

/* ABI policy for the public structs. Each starts with `size`, set by its
 * _init function to the struct's size in the header the caller was built
 * with. New fields are only ever appended; a library reads the fields that
 * fit in `size` and gives the rest their _init defaults, so a program built
 * against an older header keeps working with a newer library. A size that
 * is not one this library knows (0 from a struct never initialised, or a
 * newer header's) is refused with XCONV_INVALID_ARGUMENT. Always call the
 * _init function, then set fields by name. */

typedef struct xconv_conv2d_desc {
  size_t size;
  int64_t batch, in_channels, in_height, in_width;
  int64_t out_channels, kernel_height, kernel_width;
  int64_t stride_height, stride_width;
  int64_t dilation_height, dilation_width;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
  int64_t groups;
  xconv_layout layout;                /* input and output */
  xconv_weight_layout weight_layout;
  /* Fused clamp applied after the bias: y = min(max(y, output_min), output_max).
   * -INFINITY/+INFINITY means none; 0/+INFINITY is ReLU; 0/6 is ReLU6. */
  float output_min, output_max;
  /* Post-ops, fused after the convolution and the bias, before the clamp
   * (docs/DESIGN.md, "Post-ops"):
   *   residual:  y += residual_scale * R, with R given per run
   *              (xconv_run_args.residual) in the output's layout. It may be
   *              the output itself: an in-place residual add (ResNet's skip
   *              connection, oneDNN's sum post-op).
   *   slope:     y = y < 0 ? y * slope : y. slope = negative_slopes[k] for
   *              output channel k when negative_slopes is not NULL (PReLU;
   *              read at plan creation), else negative_slope for every
   *              channel (leaky ReLU; 1 means none). */
  int has_residual;              /* nonzero: every run adds a residual (default 0) */
  float residual_scale;          /* default 1 */
  float negative_slope;          /* default 1 */
  const float* negative_slopes;  /* default NULL */
  /* Tensors inside bigger buffers: strides in floats, 0 (default) for dense.
   * input_stride / output_stride: NHWC, from one pixel to the next (at least
   * the channels: a slice of a wider tensor, or a slot of a concatenation);
   * NCHW, from one channel plane to the next (at least height * width).
   * *_image_stride: from one image to the next (at least one image's span).
   * The residual has the output's strides. The gaps between an output's
   * elements are never written. */
  int64_t input_stride, input_image_stride;
  int64_t output_stride, output_image_stride;
} xconv_conv2d_desc;

/* Defaults: stride 1, dilation 1, padding 0, groups 1, NCHW, OIHW, no clamp,
 * no residual, no negative slope.
 * The sizes are set to 0: the caller must set them. */
XCONV_API void xconv_conv2d_desc_init(xconv_conv2d_desc* desc);

/* Output height and width of a descriptor; validates it first. */
XCONV_API xconv_status xconv_conv2d_output_size(const xconv_conv2d_desc* desc,
                                                int64_t* out_height, int64_t* out_width);

/* One-shot convolution: plans, runs on the calling thread only, frees. It
 * takes no residual: a descriptor with has_residual needs a plan. */
XCONV_API xconv_status xconv_conv2d(const xconv_conv2d_desc* desc, const float* input,
                                    const float* weights, const float* bias /* NULL: none */,
                                    float* output);

typedef struct xconv_plan xconv_plan;

typedef struct xconv_plan_options {
  size_t size;
  int num_threads;     /* the most threads a plan may use. 0: as many as the CPU
                          affinity mask allows; 1: the calling thread only. The
                          plan uses fewer when the layer is too small to gain
                          from them (xconv_plan_describe: threads=, max_threads=). */
  xconv_isa isa;       /* AUTO (default) or a forced ISA; the XCONV_ISA environment
                          variable (scalar|hwy|avx2|avx512|neon) forces it too */
  const char* kernel;  /* NULL: the plan chooses by its cost model; else a kernel name
                          from xconv_kernel_name() for the chosen ISA (tuning) */
  int64_t kc, mc, nc;  /* 0: automatic cache blocking; else forced block sizes */
  int flush_denormals; /* nonzero: run with FTZ/DAZ (x86) or FZ (Arm) set, restored after */
  int use_all_threads; /* nonzero: use num_threads threads even where the layer is too
                          small to gain from them (tests of the split, tuning runs) */
  const char* path;    /* NULL: the plan chooses; else one of "packed_gemm",
                          "indirect_gemm", "depthwise_direct", "grouped_direct",
                          "implicit_gemm" (tuning runs; refused where that path
                          cannot serve the layer) */
} xconv_plan_options;

XCONV_API void xconv_plan_options_init(xconv_plan_options* options);

/* Validates the descriptor and options, picks the kernel and block sizes and
 * packs the weights (and bias) into the plan: the caller may free both after.
 * A plan is immutable; several threads may run it at once. */
XCONV_API xconv_status xconv_plan_create(const xconv_conv2d_desc* desc, const float* weights,
                                         const float* bias /* NULL: none */,
                                         const xconv_plan_options* options /* NULL: defaults */,
                                         xconv_plan** out_plan);

/* Packed weights as an object of their own, for an engine that places them
 * itself or shares them: several plans (different batch sizes, image sizes,
 * strides or clamps) can run on one. The packing fixes the path, the
 * micro-kernel and the K blocks, chosen from this descriptor and options;
 * plans on it choose only their other blocks and their work split.
 *
 * xconv_packed_weights_size: the bytes it takes (with room for a bias).
 * xconv_packed_weights_create: packs weights (and bias, NULL for none, and
 *   the descriptor's negative slopes) into `memory` (NULL: xconv allocates;
 *   else at least the size above, 64-byte aligned, kept by the caller until
 *   the object is destroyed). The caller may free weights and bias after.
 * xconv_plan_create_packed: a plan on them. Its descriptor must have their
 *   channels, groups, kernel size and layout, and leave the slopes at their
 *   defaults or equal to theirs; batch, image size, stride, dilation,
 *   padding, strides, clamp and residual may differ. The packed weights must
 *   outlive every plan on them. */
typedef struct xconv_packed_weights xconv_packed_weights;

XCONV_API xconv_status xconv_packed_weights_size(const xconv_conv2d_desc* desc,
                                                 const xconv_plan_options* options /* NULL: defaults */,
                                                 size_t* bytes);
XCONV_API xconv_status xconv_packed_weights_create(const xconv_conv2d_desc* desc, const float* weights,
                                                   const float* bias, const xconv_plan_options* options,
                                                   void* memory, size_t memory_bytes,
                                                   xconv_packed_weights** out);
XCONV_API void xconv_packed_weights_destroy(xconv_packed_weights* packed);
XCONV_API xconv_status xconv_plan_create_packed(const xconv_conv2d_desc* desc,
                                                const xconv_packed_weights* packed,
                                                const xconv_plan_options* options /* NULL: defaults */,
                                                xconv_plan** out_plan);

/* Bytes of scratch memory xconv_plan_run needs when the caller supplies it.
 * Bounded by the block sizes and the thread count, never by the image size. */
XCONV_API size_t xconv_plan_workspace_size(const xconv_plan* plan);

/* Runs the convolution. workspace: NULL (a workspace owned by the calling
 * thread, kept and reused across runs) or at least xconv_plan_workspace_size()
 * bytes, 64-byte alignment preferred, not used by any other concurrent run.
 * Writes only the output tensor. Threads come from one pool shared by all
 * plans of the process, created at the first multi-threaded run; it serves
 * one run at a time, and a run that finds it busy runs on its own thread. */
XCONV_API xconv_status xconv_plan_run(const xconv_plan* plan, const float* input, float* output,
                                      void* workspace);

/* Parallelism provided by the caller, for an engine that owns its threads.
 * For one run xconv calls parallel_for(pool_context, count, task,
 * task_context) once, from the thread that called xconv_plan_execute, with
 * count at most the plan's thread count. It must call task(task_context, i)
 * exactly once for every i in [0, count) (on any threads, in any order,
 * concurrently or one after the other) and return when all have returned.
 * Jobs share the run's tasks dynamically, so results are the same however
 * the engine schedules them. */
typedef void (*xconv_task_fn)(void* task_context, size_t index);
typedef void (*xconv_parallel_for_fn)(void* pool_context, size_t count, xconv_task_fn task,
                                      void* task_context);

/* The arguments of one run, for xconv_plan_execute (sized as every public struct). */
typedef struct xconv_run_args {
  size_t size;
  const float* input;
  float* output;
  void* workspace;                    /* as for xconv_plan_run */
  int64_t batch;                      /* images in this run, 0 to the plan's batch;
                                         -1 (the default): the plan's batch */
  xconv_parallel_for_fn parallel_for; /* NULL (default): xconv's own shared pool */
  void* parallel_context;             /* passed to parallel_for as pool_context */
  const float* residual;              /* the residual of a plan with has_residual (it may
                                         equal output); NULL otherwise */
} xconv_run_args;

XCONV_API void xconv_run_args_init(xconv_run_args* args);

/* Runs the convolution as xconv_plan_run does, with the extra arguments. A
 * run of fewer images reads and writes only their part of the tensors; a
 * run of 0 images does nothing (input and output may then be NULL). */
XCONV_API xconv_status xconv_plan_execute(const xconv_plan* plan, const xconv_run_args* args);

/* One line: ISA, kernel, tile, block sizes, threads and GEMM shape, and
 * where the choice came from: choice=wisdom (a wisdom entry, below),
 * choice=heuristic (the cost model) or choice=options (the caller forced the
 * ISA, kernel, path or a block size). Owned by the plan. */
XCONV_API const char* xconv_plan_describe(const xconv_plan* plan);

XCONV_API void xconv_plan_destroy(xconv_plan* plan);

/* Constant text for a status code. */
XCONV_API const char* xconv_status_string(xconv_status status);

/* The calling thread's message for its last failed call ("" if none). */
XCONV_API const char* xconv_last_error(void);

/* ISA queries: the best ISA this CPU runs, whether it can run a given one, and names. */
XCONV_API xconv_isa xconv_best_isa(void);
XCONV_API int xconv_isa_supported(xconv_isa isa);
XCONV_API const char* xconv_isa_name(xconv_isa isa);

/* The micro-kernels built into this library, for tuning runs: index 0..count-1. */
XCONV_API size_t xconv_kernel_count(void);
XCONV_API const char* xconv_kernel_name(size_t index);
XCONV_API xconv_isa xconv_kernel_isa(size_t index);

XCONV_API const char* xconv_version(void);

/* Wisdom: tuned choices that stick (docs/DESIGN.md, "Wisdom"). A wisdom file
 * is text: a header naming the CPU (vendor, family and model, the ISA
 * features xconv uses, cache sizes), the xconv version and a hash of the
 * built kernel list, then one line per exact problem (the whole descriptor,
 * with post-ops and strides, and the plan's maximum thread count) holding
 * the chosen path, ISA, kernel, blocks and threads, and the GFLOP/s measured
 * for it and for the default plan. xconv-tune writes it.
 *
 * A plan created with default options (no ISA, kernel, path or block forced,
 * no XCONV_ISA) whose problem has an entry uses it; one without an entry
 * uses the cost model. The process holds one set of entries; every call
 * below is thread-safe, also with concurrent plan creation. The environment
 * variable XCONV_WISDOM=path loads a file at the first use of wisdom (the
 * first plan or the first call below); its errors are warnings.
 *
 * xconv_wisdom_load: adds a file's entries (a problem already held is
 *   replaced). A file written for another CPU, xconv version or kernel list
 *   loads nothing and warns why (see xconv_set_log). A file that does not
 *   parse (truncated, garbage, out-of-range numbers, an unknown kernel or one
 *   this CPU cannot run, a problem listed twice) loads nothing and returns
 *   XCONV_INVALID_ARGUMENT with a message naming the line.
 * xconv_wisdom_save: writes every entry held, atomically (a temporary file
 *   in the same directory, then renamed over `path`).
 * xconv_wisdom_clear: forgets every entry.
 * xconv_wisdom_add: records a plan's choice as the entry for its problem as
 *   default plans with options.num_threads = num_threads (0: the affinity
 *   count) would look it up, with the GFLOP/s measured for it and for the
 *   default plan (tuning runs).
 * xconv_wisdom_count: the entries held. */
XCONV_API xconv_status xconv_wisdom_load(const char* path);
XCONV_API xconv_status xconv_wisdom_save(const char* path);
XCONV_API void xconv_wisdom_clear(void);
XCONV_API xconv_status xconv_wisdom_add(const xconv_plan* plan, int num_threads, double gflops,
                                        double default_gflops);
XCONV_API size_t xconv_wisdom_count(void);

/* Warnings (ignored wisdom, for now) go to stderr, or to `log` when set
 * (NULL restores stderr). It may be called from any thread that uses xconv. */
typedef void (*xconv_log_fn)(void* context, const char* message);
XCONV_API void xconv_set_log(xconv_log_fn log, void* context);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* XCONV_XCONV_H_ */
