// perf_doc.h — the bench's results as a markdown table, and the update of docs/PERFORMANCE.md: each
// machine (device) has one section between markers, replaced when the bench runs again on that device
// and appended otherwise. It measures nothing.
#pragma once

#include <string>
#include <vector>

#include "bench_run.h"

namespace moevk::bench {

struct Row {
    RunConfig config;
    RunResult result;
    std::string mode;  // "warm", "cold (O_DIRECT)", ...
};

struct Report {
    std::string device;
    std::string machine;   // CPU, memory, OS
    std::string model;     // path, name, shape, size
    std::string command;
    std::string date;
    std::vector<std::string> notes;
    std::vector<Row> rows;
    std::string profile;   // markdown_profile() of one row, or empty
};

// Per-kernel GPU time of one decode step and of one prefill chunk (averaged over the run's steps/chunks),
// from a row measured with RunConfig::profile.
std::string markdown_profile(const Row &row);

std::string markdown_table(const std::vector<Row> &rows);
std::string markdown_section(const Report &report);
// Replaces the report's device section in the file at path (or appends it; creates the file with a title).
// Returns false when the file cannot be written.
bool update_performance_doc(const std::string &path, const Report &report);

}  // namespace moevk::bench
