#include "custsim/rng.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <set>

using custsim::Draws;
using custsim::Process;
using custsim::StreamKey;

TEST(Draws, SameCounterGivesSameNumbers) {
    Draws a(StreamKey{42, 3}, 7, Process::adoption, 1234);
    Draws b(StreamKey{42, 3}, 7, Process::adoption, 1234);
    for (int k = 0; k < 10; ++k) {
        EXPECT_EQ(a.uniform(), b.uniform());
    }
}

TEST(Draws, EveryPartOfTheCounterChangesTheNumber) {
    const double base = Draws(StreamKey{42, 3}, 7, Process::adoption, 1234).uniform();
    std::set<double> seen{base};
    seen.insert(Draws(StreamKey{43, 3}, 7, Process::adoption, 1234).uniform());
    seen.insert(Draws(StreamKey{42, 4}, 7, Process::adoption, 1234).uniform());
    seen.insert(Draws(StreamKey{42, 3}, 8, Process::adoption, 1234).uniform());
    seen.insert(Draws(StreamKey{42, 3}, 7, Process::seeding, 1234).uniform());
    seen.insert(Draws(StreamKey{42, 3}, 7, Process::adoption, 1235).uniform());
    seen.insert(Draws(StreamKey{std::uint64_t(42) << 32, 3}, 7, Process::adoption, 1234).uniform());
    EXPECT_EQ(seen.size(), 7u);
}

TEST(Draws, SuccessiveDrawsDifferAcrossRefills) {
    Draws d(StreamKey{1, 0}, 0, Process::adoption, 0);
    std::set<double> seen;
    for (int k = 0; k < 64; ++k) {
        seen.insert(d.uniform());
    }
    EXPECT_EQ(seen.size(), 64u);
}

TEST(Draws, UniformMomentsAndOpenInterval) {
    const int n = 1'000'000;
    double sum = 0, squares = 0;
    double low = 1, high = 0;
    for (int i = 0; i < n; ++i) {
        const double u = Draws(StreamKey{9, 0}, 1, Process::adoption, std::uint32_t(i)).uniform();
        sum += u;
        squares += u * u;
        low = std::min(low, u);
        high = std::max(high, u);
    }
    const double mean = sum / n, variance = squares / n - mean * mean;
    // Standard error of the mean is sqrt(1/12/n) = 2.9e-4; five of them.
    EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
    EXPECT_NEAR(variance, 1.0 / 12, 1e-3);
    EXPECT_GT(low, 0.0);
    EXPECT_LT(high, 1.0);
}

TEST(FirstBlocks, GiveEachStreamsFirstFourNumbersForEightCustomers) {
    using custsim::FirstBlocks;
    const std::array<Process, FirstBlocks::max_streams> all{
        Process::exposure, Process::word_of_mouth, Process::journey, Process::experience};
    for (std::size_t streams = 1; streams <= all.size(); ++streams) {
        const std::span<const Process> processes(all.data(), streams);
        for (const StreamKey key : {StreamKey{1, 0}, StreamKey{0xDEADBEEF12345678ull, 7}}) {
            for (const std::uint32_t first : {0u, 1'000'003u, 0xFFFFFFF0u}) {
                FirstBlocks blocks;
                blocks.fill(key, 364, processes, first);
                for (std::size_t s = 0; s < streams; ++s) {
                    for (std::uint32_t lane = 0; lane < FirstBlocks::customers; ++lane) {
                        Draws plain(key, 364, processes[s], first + lane);
                        const auto block = blocks.block(s, lane);
                        for (int w = 0; w < 4; ++w) {
                            EXPECT_EQ((double(block.v[w]) + 0.5) * 0x1p-32, plain.uniform())
                                << streams << " streams: stream " << s << " lane " << lane
                                << " word " << w;
                        }
                    }
                }
            }
        }
    }
}

TEST(FirstBlocks, AStreamStartedFromItsFirstBlockGoesOnAsThePlainStream) {
    using custsim::FirstBlocks;
    const StreamKey key{42, 3};
    const std::array<Process, 1> processes{Process::journey};
    FirstBlocks blocks;
    blocks.fill(key, 9, processes, 96);
    Draws plain(key, 9, Process::journey, 101),
        started(key, 9, Process::journey, 101, blocks.block(0, 5));
    for (int k = 0; k < 13; ++k) {
        EXPECT_EQ(started.uniform(), plain.uniform()) << "draw " << k;
    }
    Draws plain_at(key, 9, Process::journey, 101),
        started_at(key, 9, Process::journey, 101, blocks.block(0, 5));
    for (const std::uint32_t index : {6u, 1u, 11u, 3u, 0u}) {
        EXPECT_EQ(started_at.uniform_at(index), plain_at.uniform_at(index)) << "position " << index;
    }
}
