// perf_doc.cpp — markdown of the bench results and the PERFORMANCE.md update (see perf_doc.h).
#include "perf_doc.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace moevk::bench {
namespace {

std::string fmt(const char *f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// A percentage of lookups; "n/a" when nothing was looked up (every expert resident).
std::string percent(uint64_t part, uint64_t lookups) {
    return lookups ? fmt("%.1f", 100.0 * (double)part / (double)lookups) : "n/a";
}

const char *kTitle =
    "# Performance\n\n"
    "Measured with `moevk-bench` (tools/bench): prefill of a fixed random prompt, then single-token decode of a\n"
    "fixed random token sequence (not greedy output, whose routing repeats itself), at expert-cache budgets of\n"
    "100%, 50%, 25% and 10% of all expert bytes. *warm*: the model file is in the page cache; *cold*: its pages\n"
    "are dropped before the run and experts are read with O_DIRECT. Hit rate = hits / lookups, where a lookup is\n"
    "one (layer, expert) a batch needs (a prefill chunk loads each expert once per layer); distinct = experts a\n"
    "layer used during the phase, averaged over layers; MB/token = expert bytes read from the file per token\n"
    "(misses and prefetches); io wait = time the forward pass waited for reads; warm-up = an untimed 32-token\n"
    "eval and one decode step before the timed ones, where the context creates its pipelines (a context builds\n"
    "each kernel's pipeline at first use). Each machine has one section,\n"
    "rewritten when the bench runs there again.\n";

}  // namespace

std::string markdown_table(const std::vector<Row> &rows) {
    std::ostringstream o;
    o << "| mode | budget | cache GiB | pp tok/s | pp hit % | pp distinct | pp MB/tok | tg tok/s | tg hit % | "
         "tg prefetch hit % | tg distinct | tg MB/tok | tg io wait ms/tok | open s | warm-up s |\n";
    o << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const Row &r : rows) {
        const PhaseResult &p = r.result.prefill, &d = r.result.decode;
        o << "| " << r.mode << " | " << r.config.budget_percent << "%" << (r.result.streamed ? "" : " (resident)")
          << " | " << fmt("%.2f", r.result.cache_bytes / 1073741824.0) << " | " << fmt("%.1f", p.tokens_per_second())
          << " | " << percent(p.hits, p.lookups) << " | " << fmt("%.1f", p.distinct_per_layer) << " | "
          << fmt("%.1f", p.bytes_per_token() / 1e6) << " | " << fmt("%.2f", d.tokens_per_second()) << " | "
          << percent(d.hits, d.lookups) << " | " << percent(d.prefetch_hits, d.lookups) << " | "
          << fmt("%.1f", d.distinct_per_layer) << " | " << fmt("%.1f", d.bytes_per_token() / 1e6) << " | "
          << fmt("%.2f", d.n_tokens ? 1e3 * d.io_wait_seconds / d.n_tokens : 0.0) << " | "
          << fmt("%.1f", r.result.open_seconds) << " | "
          << (r.config.warmup ? fmt("%.2f", r.result.warmup_seconds) : std::string("none")) << " |\n";
    }
    return o.str();
}

std::string markdown_profile(const Row &row) {
    const vulkan::KernelProfile &dec = row.result.decode_profile, &pre = row.result.prefill_profile;
    const double n_steps = row.result.decode.n_tokens ? row.result.decode.n_tokens : 1;
    const double dec_total = dec.total_ms() / n_steps, pre_total = pre.total_ms();
    // kernels by decode time, then those only prefill ran
    std::vector<std::pair<double, std::string>> order;
    for (const auto &k : dec.kernels) order.push_back({-k.second.ms, k.first});
    for (const auto &k : pre.kernels)
        if (!dec.kernels.count(k.first)) order.push_back({1.0, k.first});
    std::sort(order.begin(), order.end());
    std::ostringstream o;
    o << "GPU time per kernel (`--profile`: a timestamp after every dispatch; a dispatch's time is the gap to the "
         "previous one, barrier waits included) at " << row.config.budget_percent << "% " << row.mode
      << ": one decode step (mean of " << row.result.decode.n_tokens << ") and the whole " << row.config.n_prompt
      << "-token prefill. Decode step wall time " << fmt("%.2f", 1e3 * row.result.decode.seconds / n_steps)
      << " ms, GPU sum " << fmt("%.2f", dec_total) << " ms; prefill wall " << fmt("%.1f", 1e3 * row.result.prefill.seconds)
      << " ms, GPU sum " << fmt("%.1f", pre_total) << " ms.\n\n";
    o << "| kernel | decode ms/step | decode % | dispatches/step | prefill ms | prefill % | prefill dispatches |\n";
    o << "|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto &e : order) {
        const auto d = dec.kernels.find(e.second);
        const auto p = pre.kernels.find(e.second);
        const double dms = d == dec.kernels.end() ? 0 : d->second.ms / n_steps;
        const double pms = p == pre.kernels.end() ? 0 : p->second.ms;
        o << "| " << e.second << " | " << fmt("%.3f", dms) << " | " << fmt("%.1f", dec_total > 0 ? 100 * dms / dec_total : 0)
          << " | " << fmt("%.0f", d == dec.kernels.end() ? 0 : d->second.dispatches / n_steps) << " | " << fmt("%.1f", pms)
          << " | " << fmt("%.1f", pre_total > 0 ? 100 * pms / pre_total : 0) << " | "
          << (p == pre.kernels.end() ? 0 : p->second.dispatches) << " |\n";
    }
    return o.str();
}

std::string markdown_section(const Report &report) {
    std::ostringstream o;
    o << "<!-- moevk-bench: " << report.device << " -->\n";
    o << "## " << report.device << "\n\n";
    o << "- Machine: " << report.machine << "\n";
    o << "- Model: " << report.model << "\n";
    o << "- Command: `" << report.command << "`\n";
    o << "- Date: " << report.date << "\n";
    for (const std::string &n : report.notes) o << "- Note: " << n << "\n";
    o << "\n" << markdown_table(report.rows);
    if (!report.profile.empty()) o << "\n" << report.profile;
    o << "<!-- moevk-bench end -->\n";
    return o.str();
}

bool update_performance_doc(const std::string &path, const Report &report) {
    std::string doc;
    {
        std::ifstream in(path);
        if (in) {
            std::ostringstream s;
            s << in.rdbuf();
            doc = s.str();
        }
    }
    if (doc.empty()) doc = kTitle;
    const std::string begin = "<!-- moevk-bench: " + report.device + " -->";
    const std::string end = "<!-- moevk-bench end -->\n";
    const std::string section = markdown_section(report);
    const size_t b = doc.find(begin);
    const size_t e = b == std::string::npos ? std::string::npos : doc.find(end, b);
    if (b != std::string::npos && e != std::string::npos) {
        doc.replace(b, e + end.size() - b, section);
    } else {
        if (!doc.empty() && doc.back() != '\n') doc += "\n";
        doc += "\n" + section;
    }
    std::ofstream out(path, std::ios::trunc);
    out << doc;
    return (bool)out;
}

}  // namespace moevk::bench
