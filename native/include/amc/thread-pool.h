// A small fixed-size thread pool with a blocking ParallelFor. The calling thread takes part, so a pool of
// size 1 runs everything inline. Calls from several threads at once are serialised (one job at a time).
#pragma once
#include <cstdint>
#include <functional>

namespace amc {

// Runs fn(task) for every task in [0, count), spread over the pool's threads; returns when all are done.
// fn must not throw. Nested calls from inside fn run inline.
void ParallelFor(int64_t count, const std::function<void(int64_t task)>& fn);

// Number of threads used by ParallelFor (including the caller). Default: AMC_NUM_THREADS, else the
// number of hardware threads.
int NumThreads();
// Resizes the pool; n >= 1. Returns false when n is out of range [1, 256].
bool SetNumThreads(int n);

}  // namespace amc
