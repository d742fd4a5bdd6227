#pragma once
#include <Random123/philox.h>

#include <cstdint>
#include <span>

namespace custsim {

/// The processes of a step that draw random numbers; part of every draw's counter, so two
/// processes never share a number and adding a process never shifts another's numbers.
enum class Process : std::uint32_t {
    seeding = 1,
    adoption = 2,
    initial = 3,       ///< journey: markets, segments, installed base at day 0
    word_of_mouth = 4, ///< journey: hearing a message
    journey = 5,       ///< journey: need, decision, choice, repurchase, churn
    experience = 6,    ///< journey: problems, data pool, consent
    service = 7,       ///< journey: complaint handling
    ambassadors = 8,   ///< journey: ties among equally ranked ambassadors
    sweep = 9,         ///< a sweep's Latin hypercube design
    propensity = 10,   ///< journey: each customer's churn propensity, at day 0
    regulation = 11,   ///< journey: a regulator's fine for contact without consent
    appetite = 12,     ///< journey: each customer's category purchase rate, at day 0
    sensitivity = 14,  ///< a sensitivity analysis's design and bootstrap resamples
    exposure = 16,     ///< journey: exposure + brand index, one stream per brand
    calibration = 40,  ///< calibrate: the design, the walkers' start and their moves
    uncertainty = 41,  ///< experiments over parameter draws: the draws of `uncertain:` ranges
    policy = 42,       ///< budget policies: a bandit's posterior draws (customer = draw index)
    trigger = 43,      ///< triggered contacts: a retargeting touch's draws
    offer = 44,        ///< triggered contacts: whether a win-back offer is taken up
};

/// Where a stream of draws belongs: one run of one scenario.
struct StreamKey {
    std::uint64_t seed = 1;
    std::uint32_t replicate = 0;
};

/// Counter-based random numbers (Philox4x32-10, Random123).
///
/// A draw is a pure function of (seed, replicate, step, process, customer, draw index): there is
/// no generator state to share between threads, so a run gives the same numbers on any thread
/// count or MPI layout, and two scenarios with the same seed share every draw their policies do
/// not change (common random numbers). The key holds the seed; the counter holds
/// (customer, step, process << 24 | block of four draws, replicate).
class Draws {
  public:
    using Philox = r123::Philox4x32;

    Draws(StreamKey key, std::uint32_t step, Process process, std::uint32_t customer)
        : key_{{static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}},
          counter_{{customer, step, static_cast<std::uint32_t>(process) << 24, key.replicate}} {}

    /// The same stream, its first block of four numbers already worked out (by FirstBlocks).
    Draws(StreamKey key, std::uint32_t step, Process process, std::uint32_t customer,
          const Philox::ctr_type& first)
        : Draws(key, step, process, customer) {
        block_ = first;
        next_ = 0;
        blocks_ = 1;
        cached_block_ = 0;
    }

    /// The next uniform number, strictly inside (0, 1), with 32 random bits.
    double uniform() {
        if (next_ == 4) {
            refill();
        }
        return (static_cast<double>(block_.v[next_++]) + 0.5) * 0x1p-32;
    }

    /// The uniform number at a fixed position of this stream, whatever was drawn before, so a
    /// consumer owns its positions (one per brand, say) and others' draws never shift them.
    /// Do not mix with uniform() on the same object.
    double uniform_at(std::uint32_t index) {
        const std::uint32_t block = index / 4;
        if (block != cached_block_) {
            Philox::ctr_type counter = counter_;
            counter.v[2] += block;
            block_ = Philox{}(counter, key_);
            cached_block_ = block;
        }
        return (static_cast<double>(block_.v[index % 4]) + 0.5) * 0x1p-32;
    }

  private:
    void refill() {
        Philox::ctr_type counter = counter_;
        counter.v[2] += blocks_++;
        block_ = Philox{}(counter, key_);
        next_ = 0;
    }

    Philox::key_type key_;
    Philox::ctr_type counter_; ///< the stream's first block; block k adds k to word 2
    Philox::ctr_type block_{};
    int next_ = 4;
    std::uint32_t blocks_ = 0; ///< blocks uniform() has used
    std::uint32_t cached_block_ = ~0u;
};

/// The first block of a few processes' streams for eight consecutive customers, worked out
/// together: the step draws from these streams for nearly every customer, and eight counters at
/// once fill a vector unit (AVX2 where the processor has it). The numbers are Philox4x32-10's,
/// bit for bit, whatever the processor.
class FirstBlocks {
  public:
    static constexpr std::uint32_t customers = 8;
    static constexpr std::size_t max_streams = 4;

    /// Streams `processes` of customers first .. first + 7 at this step.
    void fill(StreamKey key, std::uint32_t step, std::span<const Process> processes,
              std::uint32_t first);

    /// Stream s's first block for customer first + lane.
    Draws::Philox::ctr_type block(std::size_t s, std::uint32_t lane) const {
        return {{word_[s][0][lane], word_[s][1][lane], word_[s][2][lane], word_[s][3][lane]}};
    }

  private:
    alignas(32) std::uint32_t word_[max_streams][4][customers];
};

} // namespace custsim
