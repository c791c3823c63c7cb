// Numbers on the command line: one set of CLI11 validators for every command's
// numeric options, with initlab's messages instead of the parser's:
//
//   --depth: expected a whole number from 1 to 1000, found 'ten'
//   --seed: expected a whole number from 0 to 2^64 − 1, found '-1'
//   --momentum: expected a finite number from 0 to 0.9999, found 'nan'
//
// Each validator parses the text exactly (decimal only: no octal "010", no hex,
// no "1e3" for a whole number, no NaN or infinity, nothing beyond the field's
// range or float32's) and rewrites it into a form CLI11's own conversion reads
// back to the same value, so nothing wraps, truncates or clamps. Attach them
// with ->transform(), not ->check() (check() would drop the rewrite):
//
//   cmd->add_option("--depth", o.depth, "Hidden layers")->transform(integer_in(1, 1000));
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace initlab::app {

/// A whole number from `min` to `max`.
CLI::Validator integer_in(int64_t min, int64_t max);

/// A count of things (units, samples, steps): a whole number from 1 to `max`.
CLI::Validator positive_size(int64_t max = std::numeric_limits<int64_t>::max());

/// A seed: a whole number from 0 to 2^64 − 1 (a negative one is refused, not wrapped).
CLI::Validator seed_number();

/// A finite number from `lo` to `hi` (both included); at most float32's range.
CLI::Validator finite_number_in(double lo, double hi);

/// A finite number > 0 and at most `hi`, which float32 represents (not rounded to 0).
CLI::Validator positive_number(double hi = std::numeric_limits<float>::max());

/// One of `words`; anything else gets "did you mean" the closest.
CLI::Validator one_of(std::vector<std::string> words);

/// The bound as people write it: 1000, 0.9999, 2^20, 3.4e+38.
std::string readable_bound(double x);

}  // namespace initlab::app
