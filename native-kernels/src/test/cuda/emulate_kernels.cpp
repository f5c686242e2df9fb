// Runs the kernels of src/main/cuda/bpe_merge.cu, unchanged, on the CPU (EmulatedKernelTest), so the CUDA
// source itself, not only its Java twin, is checked on machines without a GPU.
//
// Emulation: each CUDA thread of a block is a std::thread of a persistent pool; __syncthreads() is a
// std::barrier over the block's threads; __shared__ variables become function-local statics (one block runs at
// a time); atomicMin is a compare-and-swap loop on std::atomic_ref. A barrier that not every thread of the block
// reaches (a non-uniform return) hangs the block: alarm() then ends the process, and the test fails.
//
// Usage: emulate_kernels BATCH MODEL OUT, files in the host's byte order. BATCH holds 11 int32 (magic
// 0x5543544B "KTCU", pieceCount, shortCount, longCount, byteCount, shortThreads, longThreads, mask, shift,
// inputWords, modelWords), then the input buffer; MODEL is the model buffer (PieceBatchFormat.java); OUT
// receives the output buffer (byteCount + pieceCount int32).
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>
#include <unistd.h>

struct Dim3 {
    unsigned x, y, z;
};
thread_local Dim3 threadIdx;
thread_local Dim3 blockIdx;
Dim3 blockDim;
static std::barrier<>* block_barrier;

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __shared__ static

static inline void __syncthreads() { block_barrier->arrive_and_wait(); }

static inline int atomicMin(int* p, int v) {
    std::atomic_ref<int> a(*p);
    int old = a.load();
    while (v < old && !a.compare_exchange_weak(old, v)) {
    }
    return old;
}

using std::max;
using std::min;

#include "bpe_merge.cu"

/** A block's threads, started once: run() executes one block and returns when every thread has finished it. */
class BlockPool {
  public:
    explicit BlockPool(unsigned threads)
        : threads_(threads), start_(threads + 1), end_(threads + 1), inner_(threads) {
        for (unsigned t = 0; t < threads; t++) {
            workers_.emplace_back([this, t] {
                threadIdx = {t, 0, 0};
                while (true) {
                    start_.arrive_and_wait();
                    if (stop_) {
                        return;
                    }
                    blockIdx = {block_, 0, 0};
                    job_();
                    end_.arrive_and_wait();
                }
            });
        }
    }
    void run(unsigned block, std::function<void()> job) {
        block_ = block;
        job_ = std::move(job);
        block_barrier = &inner_;
        blockDim = {threads_, 1, 1};
        start_.arrive_and_wait();
        end_.arrive_and_wait();
    }
    ~BlockPool() {
        stop_ = true;
        start_.arrive_and_wait();
        for (auto& w : workers_) {
            w.join();
        }
    }

  private:
    unsigned threads_;
    std::barrier<> start_, end_, inner_;
    std::vector<std::thread> workers_;
    unsigned block_ = 0;
    std::function<void()> job_;
    bool stop_ = false;
};

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s BATCH MODEL OUT\n", argv[0]);
        return 2;
    }
    alarm(120);
    FILE* f = std::fopen(argv[1], "rb");
    if (!f) {
        std::perror(argv[1]);
        return 2;
    }
    int32_t h[11];
    if (std::fread(h, 4, 11, f) != 11 || h[0] != 0x5543544B) {
        std::fprintf(stderr, "%s: not a batch file\n", argv[1]);
        return 2;
    }
    int pieceCount = h[1], shortCount = h[2], longCount = h[3], byteCount = h[4];
    unsigned shortThreads = h[5], longThreads = h[6];
    unsigned mask = (unsigned)h[7];
    int shift = h[8];
    int64_t inputWords = h[9], modelWords = h[10];
    std::vector<int32_t> in(inputWords);
    std::vector<int64_t> model64((modelWords + 1) / 2);
    int32_t* model = reinterpret_cast<int32_t*>(model64.data());
    if (std::fread(in.data(), 4, inputWords, f) != (size_t)inputWords) {
        std::fprintf(stderr, "%s: truncated\n", argv[1]);
        return 2;
    }
    std::fclose(f);
    FILE* m = std::fopen(argv[2], "rb");
    if (!m || std::fread(model, 4, modelWords, m) != (size_t)modelWords) {
        std::fprintf(stderr, "%s: missing or truncated\n", argv[2]);
        return 2;
    }
    std::fclose(m);
    std::vector<int32_t> out((size_t)byteCount + pieceCount, 0x7eadbeef);
    std::vector<int32_t> ws((size_t)4 * byteCount + 1, 0x7eadbeef);
    int shortListAt = pieceCount + 1;
    int longListAt = shortListAt + shortCount;
    int bytesAt = 2 * pieceCount + 1;
    int tableAt = 256;

    // bpe_merge_short has no barrier: its threads run one after another.
    blockDim = {shortThreads, 1, 1};
    unsigned shortBlocks = (shortCount + shortThreads - 1) / shortThreads;
    for (unsigned b = 0; b < shortBlocks; b++) {
        for (unsigned t = 0; t < shortThreads; t++) {
            blockIdx = {b, 0, 0};
            threadIdx = {t, 0, 0};
            bpe_merge_short(in.data(), 0, shortListAt, shortCount, bytesAt, model, tableAt, mask, shift, out.data(),
                            byteCount);
        }
    }
    if (longCount > 0) {
        BlockPool pool(longThreads);
        for (int b = 0; b < longCount; b++) {
            pool.run(b, [&] {
                bpe_merge_long(in.data(), 0, longListAt, longCount, bytesAt, model, tableAt, mask, shift, out.data(),
                               byteCount, ws.data(), byteCount);
            });
        }
    }
    FILE* o = std::fopen(argv[3], "wb");
    if (!o || std::fwrite(out.data(), 4, out.size(), o) != out.size() || std::fclose(o) != 0) {
        std::perror(argv[3]);
        return 2;
    }
    return 0;
}
