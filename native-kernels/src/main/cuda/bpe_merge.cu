// tokmix: exact byte-level BPE merges of many pieces at once (the GPU half of dev.tokmix.cuda.CudaBatchEncoder).
//
// The CPU pretokenizes, serves short pieces from its cache and whole-piece vocabulary hits, and packs the rest
// here (PieceBatchFormat.java draws the buffers). Every piece gets exactly the CPU merge loop's ids: merge the
// lowest-rank adjacent pair, the leftmost among equal ranks, until no pair has a rank.
//
//   bpe_merge_short  one thread per piece of at most SHORT_MAX_BYTES bytes: the CPU's array rescan, O(n^2) with
//                    tiny constants, arrays in registers/local memory.
//   bpe_merge_long   one block per longer piece: rounds of "find the minimum rank r, merge every occurrence of
//                    r that the sequential loop would merge before any other rank" (see the comment there), so
//                    a 100 KB run of one letter takes ~log n rounds, not n merges.
//
// Dev note: CudaKernelModel.java is this file's twin on the CPU (same layout, same phases, threads run one
// after another); change both together. `make ptx` rebuilds the PTX resources and records this file's SHA-256;
// a test fails when they are stale. EmulatedKernelTest compiles this very file with g++ (src/test/cuda/
// emulate_kernels.cpp: std::thread per CUDA thread, std::barrier for __syncthreads) and checks it against the
// twin, so keep to what that emulation provides: __syncthreads, atomicMin, min/max, __shared__ in kernels.

#define NO_RANK 0x7fffffff
#define EMPTY_KEY 0xffffffffffffffffULL
#define HASH_MULTIPLIER 0x9E3779B97F4A7C15ULL
#define SHORT_MAX_BYTES 64
#define MAX_LONG_THREADS 256
#define RECOMPUTE (-2)
#define BAD_BYTE_COUNT (-1)
#define STALLED_COUNT (-3)

// Open addressing, linear probing, key and value side by side (one cache line per probe):
// slots[2s] = left << 32 | right (EMPTY_KEY when free), slots[2s + 1] = rank << 32 | merged id.
// The table always keeps a free slot, so a probe ends; the bound only guards against a corrupt table.
__device__ __forceinline__ unsigned long long pair_lookup(const unsigned long long* __restrict__ slots,
                                                           unsigned int mask, int shift, int left, int right) {
    unsigned long long key = ((unsigned long long)(unsigned int)left << 32) | (unsigned int)right;
    unsigned int s = (unsigned int)((key * HASH_MULTIPLIER) >> shift);
    for (unsigned int probe = 0; probe <= mask; probe++) {
        unsigned long long k = slots[2 * (unsigned long long)s];
        if (k == key) {
            return slots[2 * (unsigned long long)s + 1];
        }
        if (k == EMPTY_KEY) {
            return EMPTY_KEY;
        }
        s = (s + 1) & mask;
    }
    return EMPTY_KEY;
}

__device__ __forceinline__ int rank_of(unsigned long long value) {
    return value == EMPTY_KEY ? NO_RANK : (int)(value >> 32);
}

__device__ __forceinline__ int pair_rank(const unsigned long long* __restrict__ slots, unsigned int mask, int shift,
                                         int left, int right) {
    return rank_of(pair_lookup(slots, mask, shift, left, right));
}

// Parameters shared by both kernels (int offsets count 4-byte words from the buffer's start):
//   in        input buffer: piece offsets (pieceCount + 1), short list, long list, bytes
//   offsetsAt, listAt, count, bytesAt   where the offsets, this kernel's piece list and the bytes start; list size
//   model     byte-to-id table (256 words) then the pair table at tableAt (8-byte aligned)
//   mask, shift   capacity - 1 and 64 - log2(capacity)
//   out       output buffer: ids (piece i's at offsets[i]), then counts (pieceCount words) at countsAt
extern "C" __global__ void bpe_merge_short(const int* __restrict__ in, int offsetsAt, int listAt, int count,
                                           int bytesAt, const int* __restrict__ model, int tableAt,
                                           unsigned int mask, int shift, int* __restrict__ out, int countsAt) {
    int t = (int)(blockIdx.x * blockDim.x + threadIdx.x);
    if (t >= count) {
        return;
    }
    const int* offsets = in + offsetsAt;
    const unsigned char* bytes = (const unsigned char*)(in + bytesAt);
    const unsigned long long* slots = (const unsigned long long*)(model + tableAt);
    int piece = in[listAt + t];
    int start = offsets[piece];
    int n = offsets[piece + 1] - start;
    int ids[SHORT_MAX_BYTES];
    int ranks[SHORT_MAX_BYTES];
    for (int i = 0; i < n; i++) {
        int id = model[bytes[start + i]];
        if (id < 0) {
            out[countsAt + piece] = BAD_BYTE_COUNT;
            return;
        }
        ids[i] = id;
    }
    for (int i = 0; i + 1 < n; i++) {
        ranks[i] = pair_rank(slots, mask, shift, ids[i], ids[i + 1]);
    }
    while (n > 1) {
        int best = NO_RANK;
        int at = -1;
        for (int i = 0; i + 1 < n; i++) {
            if (ranks[i] < best) {
                best = ranks[i];
                at = i;
            }
        }
        if (at < 0) {
            break;
        }
        ids[at] = (int)pair_lookup(slots, mask, shift, ids[at], ids[at + 1]);
        for (int i = at + 1; i + 1 < n; i++) {
            ids[i] = ids[i + 1];
        }
        for (int i = at + 1; i + 2 < n; i++) {
            ranks[i] = ranks[i + 1];
        }
        n--;
        if (at > 0) {
            ranks[at - 1] = pair_rank(slots, mask, shift, ids[at - 1], ids[at]);
        }
        if (at + 1 < n) {
            ranks[at] = pair_rank(slots, mask, shift, ids[at], ids[at + 1]);
        }
    }
    int* o = out + start;
    for (int i = 0; i < n; i++) {
        o[i] = ids[i];
    }
    out[countsAt + piece] = n;
}

// Inclusive scan of one value per thread over the block (Hillis-Steele; blockDim.x <= MAX_LONG_THREADS).
// Returns the exclusive prefix (the combination of all lower threads' values, or identity for thread 0).
// isMax: combine with max (identity -1), else with + (identity 0). Ends with a barrier, so scan[] is reusable.
__device__ int block_exclusive_scan(int* scan, int value, bool isMax) {
    int tid = threadIdx.x;
    scan[tid] = value;
    __syncthreads();
    for (int offset = 1; offset < (int)blockDim.x; offset <<= 1) {
        int other = tid >= offset ? scan[tid - offset] : (isMax ? -1 : 0);
        __syncthreads();
        scan[tid] = isMax ? max(scan[tid], other) : scan[tid] + other;
        __syncthreads();
    }
    int result = tid > 0 ? scan[tid - 1] : (isMax ? -1 : 0);
    __syncthreads();
    return result;
}

// One block per long piece. Each round, with r the minimum rank of the live pairs:
//  1. the occurrences of r that the sequential loop merges next, left to right: in each run of consecutive
//     pairs of rank r, every other pair from the run's start (a merge destroys the pair to its right);
//  2. a merge may create a pair of rank below r (sequential BPE would take that next): k = the first such
//     occurrence, taking its left neighbour as already merged when the occurrence two to its left is (rank
//     equal to r counts too: impossible in a real table, but then the rounds stay exact for any table);
//  3. merge the occurrences up to k (all if none), compact, re-rank only pairs next to a merge.
// Two pairs never share a rank unless they merge into the same token, and a new pair never has rank r (its
// token would be its own left part), so the rounds replay the sequential order exactly. Every round merges
// at least its first occurrence.
// Workspace (4 words per input byte, at the piece's offset in each of four planes of wsStride words):
// ids (second copy), ranks (two copies), mid (merged id of a chosen occurrence, else -1).
extern "C" __global__ void bpe_merge_long(const int* __restrict__ in, int offsetsAt, int listAt, int count,
                                          int bytesAt, const int* __restrict__ model, int tableAt,
                                          unsigned int mask, int shift, int* __restrict__ out, int countsAt,
                                          int* __restrict__ ws, int wsStride) {
    __shared__ int scan[MAX_LONG_THREADS];
    __shared__ int sMin;
    __shared__ int sFirst;
    __shared__ int sBad;
    int tid = threadIdx.x;
    int threads = blockDim.x;
    if ((int)blockIdx.x >= count) {
        return;
    }
    const int* offsets = in + offsetsAt;
    const unsigned char* bytes = (const unsigned char*)(in + bytesAt);
    const unsigned long long* slots = (const unsigned long long*)(model + tableAt);
    int piece = in[listAt + blockIdx.x];
    int start = offsets[piece];
    int n = offsets[piece + 1] - start;
    int* ids = out + start;
    int* ids2 = ws + start;
    int* ranks = ws + wsStride + start;
    int* ranks2 = ws + 2 * wsStride + start;
    int* mid = ws + 3 * wsStride + start;

    if (tid == 0) {
        sBad = 0;
    }
    __syncthreads();
    for (int i = tid; i < n; i += threads) {
        int id = model[bytes[start + i]];
        if (id < 0) {
            sBad = 1;
        }
        ids[i] = id;
    }
    __syncthreads();
    if (sBad) {
        if (tid == 0) {
            out[countsAt + piece] = BAD_BYTE_COUNT;
        }
        return;
    }
    for (int i = tid; i + 1 < n; i += threads) {
        ranks[i] = pair_rank(slots, mask, shift, ids[i], ids[i + 1]);
    }
    __syncthreads();

    while (n > 1) {
        // Minimum rank.
        if (tid == 0) {
            sMin = NO_RANK;
            sFirst = NO_RANK;
        }
        __syncthreads();
        int local = NO_RANK;
        for (int i = tid; i + 1 < n; i += threads) {
            local = min(local, ranks[i]);
        }
        if (local != NO_RANK) {
            atomicMin(&sMin, local);
        }
        __syncthreads();
        int best = sMin;
        if (best == NO_RANK) {
            break;
        }

        // 1. Chosen occurrences. Pairs are cut into contiguous chunks; a max-scan of run starts gives each chunk
        //    the start of the run it begins in.
        int pairs = n - 1;
        int chunk = (pairs + threads - 1) / threads;
        int lo = min(tid * chunk, pairs);
        int hi = min(lo + chunk, pairs);
        int lastStart = -1;
        for (int i = lo; i < hi; i++) {
            if (ranks[i] == best && (i == 0 || ranks[i - 1] != best)) {
                lastStart = i;
            }
        }
        int runStart = block_exclusive_scan(scan, lastStart, true);
        for (int i = lo; i < hi; i++) {
            int m = -1;
            if (ranks[i] == best) {
                if (i == 0 || ranks[i - 1] != best) {
                    runStart = i;
                }
                if (((i - runStart) & 1) == 0) {
                    m = (int)pair_lookup(slots, mask, shift, ids[i], ids[i + 1]);
                }
            }
            mid[i] = m;
        }
        __syncthreads();

        // 2. First occurrence whose merge makes a pair of rank at most best.
        for (int i = lo; i < hi; i++) {
            int merged = mid[i];
            if (merged < 0) {
                continue;
            }
            int created = NO_RANK;
            if (i > 0) {
                int left = i >= 2 && mid[i - 2] >= 0 ? mid[i - 2] : ids[i - 1];
                created = pair_rank(slots, mask, shift, left, merged);
            }
            if (i + 2 < n) {
                created = min(created, pair_rank(slots, mask, shift, merged, ids[i + 2]));
            }
            if (created <= best) {
                atomicMin(&sFirst, i);
                break;
            }
        }
        __syncthreads();
        int first = sFirst;

        // 3. Merge occurrences up to `first`, compact into ids2/ranks2. Tokens are cut into contiguous chunks.
        int tchunk = (n + threads - 1) / threads;
        int tlo = min(tid * tchunk, n);
        int thi = min(tlo + tchunk, n);
        int kept = 0;
        for (int j = tlo; j < thi; j++) {
            bool dead = j >= 1 && mid[j - 1] >= 0 && j - 1 <= first;
            kept += dead ? 0 : 1;
        }
        int p = block_exclusive_scan(scan, kept, false);
        int newN = scan[threads - 1];
        if (newN == n) {
            // Cannot happen (a round merges its first occurrence); never spin if it does.
            if (tid == 0) {
                out[countsAt + piece] = STALLED_COUNT;
            }
            return;
        }
        for (int j = tlo; j < thi; j++) {
            bool dead = j >= 1 && mid[j - 1] >= 0 && j - 1 <= first;
            if (dead) {
                continue;
            }
            bool merged = j + 1 < n && mid[j] >= 0 && j <= first;
            ids2[p] = merged ? mid[j] : ids[j];
            if (j + 1 < n) {
                bool nextMerged = j + 2 < n && mid[j + 1] >= 0 && j + 1 <= first;
                // A pair whose two tokens are both unchanged keeps its rank.
                ranks2[p] = merged || nextMerged ? RECOMPUTE : ranks[j];
            }
            p++;
        }
        __syncthreads();
        for (int q = tid; q + 1 < newN; q += threads) {
            if (ranks2[q] == RECOMPUTE) {
                ranks2[q] = pair_rank(slots, mask, shift, ids2[q], ids2[q + 1]);
            }
        }
        __syncthreads();
        int* t1 = ids;
        ids = ids2;
        ids2 = t1;
        int* t2 = ranks;
        ranks = ranks2;
        ranks2 = t2;
        n = newN;
    }
    int* o = out + start;
    if (ids != o) {
        for (int i = tid; i < n; i += threads) {
            o[i] = ids[i];
        }
    }
    if (tid == 0) {
        out[countsAt + piece] = n;
    }
}
