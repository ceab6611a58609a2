// Optional flush-to-zero for one plan run. Denormal (subnormal) floats are
// computed exactly by default, which can be slow on some CPUs; a plan created
// with flush_denormals sets FTZ+DAZ (x86 MXCSR) or FZ (Arm FPCR) around each
// task on whichever thread runs it, and restores the previous mode after.
#ifndef XCONV_KERNELS_FRAME_DENORMALS_H_
#define XCONV_KERNELS_FRAME_DENORMALS_H_

namespace xconv {

class ScopedFlushDenormals {
 public:
  explicit ScopedFlushDenormals(bool enable);
  ~ScopedFlushDenormals();
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  bool enabled_;
  unsigned long long saved_ = 0;
};

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_DENORMALS_H_
