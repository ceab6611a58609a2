// A 64-byte aligned float array that reports allocation failure instead of
// throwing, so every allocation in xconv can become XCONV_OUT_OF_MEMORY.
#ifndef XCONV_KERNELS_FRAME_ALIGNED_BUFFER_H_
#define XCONV_KERNELS_FRAME_ALIGNED_BUFFER_H_

#include <cstddef>
#include <cstdlib>
#include <utility>

namespace xconv {

constexpr size_t kAlignment = 64;  // a cache line; also an AVX-512 vector

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(AlignedBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer() { std::free(data_); }

  // Allocates `floats` floats (contents unspecified); false on failure or overflow.
  bool allocate(size_t floats) {
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    if (floats == 0) return true;
    if (floats > (SIZE_MAX - kAlignment) / sizeof(float)) return false;
    const size_t bytes = (floats * sizeof(float) + kAlignment - 1) / kAlignment * kAlignment;
    data_ = static_cast<float*>(std::aligned_alloc(kAlignment, bytes));
    if (data_ == nullptr) return false;
    size_ = floats;
    return true;
  }

  float* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  float* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace xconv

#endif  // XCONV_KERNELS_FRAME_ALIGNED_BUFFER_H_
