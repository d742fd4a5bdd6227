#include "custsim/rng.hpp"

#include <cassert>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CUSTSIM_AVX2 1
#endif

namespace custsim {

namespace {

// Philox4x32-10 (Salmon et al. 2011): ten rounds of two 32 x 32 -> 64-bit multiplies, the key
// bumped by two Weyl constants between rounds. The constants are Random123's.
constexpr std::uint32_t multiplier0 = 0xD2511F53u, multiplier1 = 0xCD9E8D57u;
constexpr std::uint32_t weyl0 = 0x9E3779B9u, weyl1 = 0xBB67AE85u;
constexpr int rounds = 10;

using Words = std::uint32_t[4][FirstBlocks::customers];

/// One stream at a time through Random123 itself: any processor.
void fill_scalar(Words* word, std::size_t streams, Draws::Philox::key_type key) {
    for (std::size_t s = 0; s < streams; ++s) {
        for (std::uint32_t lane = 0; lane < FirstBlocks::customers; ++lane) {
            const Draws::Philox::ctr_type counter{
                {word[s][0][lane], word[s][1][lane], word[s][2][lane], word[s][3][lane]}};
            const auto block = Draws::Philox{}(counter, key);
            for (int w = 0; w < 4; ++w) {
                word[s][w][lane] = block.v[w];
            }
        }
    }
}

#ifdef CUSTSIM_AVX2
/// lo and hi halves of the eight products a x m, lane by lane.
__attribute__((target("avx2"))) inline void mulhilo(__m256i a, __m256i m, __m256i& lo,
                                                    __m256i& hi) {
    const __m256i even = _mm256_mul_epu32(a, m);
    const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

/// Eight customers of N streams at once, the state in registers; the streams' rounds
/// interleave to hide the multiplies' latency.
template <std::size_t N>
__attribute__((target("avx2"))) void fill_avx2(Words* word, Draws::Philox::key_type key) {
    __m256i v[N][4];
    for (std::size_t s = 0; s < N; ++s) {
        for (int w = 0; w < 4; ++w) {
            v[s][w] = _mm256_load_si256(reinterpret_cast<const __m256i*>(word[s][w]));
        }
    }
    const __m256i m0 = _mm256_set1_epi64x(multiplier0), m1 = _mm256_set1_epi64x(multiplier1);
    std::uint32_t k0 = key.v[0], k1 = key.v[1];
#pragma GCC unroll 10
    for (int r = 0; r < rounds; ++r) {
        const __m256i key0 = _mm256_set1_epi32(int(k0)), key1 = _mm256_set1_epi32(int(k1));
#pragma GCC unroll 4
        for (std::size_t s = 0; s < N; ++s) {
            __m256i lo0, hi0, lo1, hi1;
            mulhilo(v[s][0], m0, lo0, hi0);
            mulhilo(v[s][2], m1, lo1, hi1);
            v[s][0] = _mm256_xor_si256(_mm256_xor_si256(hi1, v[s][1]), key0);
            v[s][1] = lo1;
            v[s][2] = _mm256_xor_si256(_mm256_xor_si256(hi0, v[s][3]), key1);
            v[s][3] = lo0;
        }
        k0 += weyl0;
        k1 += weyl1;
    }
    for (std::size_t s = 0; s < N; ++s) {
        for (int w = 0; w < 4; ++w) {
            _mm256_store_si256(reinterpret_cast<__m256i*>(word[s][w]), v[s][w]);
        }
    }
}

/// The kernel for `streams` streams, three at a time: three spill a few of the sixteen vector
/// registers, yet hide the multiplies' latency better than two (philox_first_blocks in
/// custsim_bench: 63 against 87 ns for 24 blocks).
void fill_avx2(Words* word, std::size_t streams, Draws::Philox::key_type key) {
    std::size_t done = 0;
    for (; done + 3 <= streams; done += 3) {
        fill_avx2<3>(word + done, key);
    }
    if (streams - done == 2) {
        fill_avx2<2>(word + done, key);
    } else if (streams - done == 1) {
        fill_avx2<1>(word + done, key);
    }
}

const bool has_avx2 = __builtin_cpu_supports("avx2");
#endif

} // namespace

void FirstBlocks::fill(StreamKey key, std::uint32_t step, std::span<const Process> processes,
                       std::uint32_t first) {
    assert(processes.size() <= max_streams);
    for (std::size_t s = 0; s < processes.size(); ++s) {
        for (std::uint32_t lane = 0; lane < customers; ++lane) {
            word_[s][0][lane] = first + lane;
            word_[s][1][lane] = step;
            word_[s][2][lane] = static_cast<std::uint32_t>(processes[s]) << 24;
            word_[s][3][lane] = key.replicate;
        }
    }
    const Draws::Philox::key_type k{
        {static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}};
#ifdef CUSTSIM_AVX2
    if (has_avx2) {
        fill_avx2(word_, processes.size(), k);
        return;
    }
#endif
    fill_scalar(word_, processes.size(), k);
}

} // namespace custsim
