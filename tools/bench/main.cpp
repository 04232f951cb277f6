// main.cpp — moevk-bench: prompt-processing and decode speed of a model at several expert-cache budgets,
// page-cache-warm and O_DIRECT-cold; prints a markdown table and updates docs/PERFORMANCE.md.
//   moevk-bench --model M.gguf [--prompt 64] [--decode 16] [--budgets 100,50,25,10] [--modes warm,cold]
//               [--io-threads N] [--n-ctx 1024] [--doc docs/PERFORMANCE.md | --no-doc]
//               [--snapshot N [--snapshot-kv f16]]   (session snapshot of an N-token context: snapshot_bench.h)
//               [--profile]   (GPU time per kernel of the first row: a decode step and the prefill)
//               [--attention per-head|split] [--moe-pair-tile N]   (kernel choices other than the device's)
//               [--prefill-kernel matvec|tiled|coopmat[,...]] [--prefill-min-tokens N] [--prefill-min-rows N]
//               (prompt kernels: a list runs each budget row once per kernel, in one table)
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_run.h"
#include "experts/expert_file.h"
#include "experts/expert_layout.h"
#include "model/model.h"
#include "perf_doc.h"
#include "snapshot_bench.h"

namespace {

using namespace moevk;

struct Args {
    bench::RunConfig base;
    std::vector<int32_t> budgets = {100, 50, 25, 10};
    std::vector<std::string> modes = {"warm", "cold"};
    std::string doc = "docs/PERFORMANCE.md";
    std::string command;
    uint32_t snapshot_tokens = 0;  // 0: no snapshot measurement
    std::string snapshot_kv = "f16";
    // --prefill-kernel a,b: each budget row runs once per prompt kernel (labelled); empty: the device's
    std::vector<std::string> prefill_kernels;
};

bool parse_prefill_kernel(const std::string &name, session::PrefillKernel *kernel) {
    if (name == "matvec") *kernel = session::PrefillKernel::kMatvec;
    else if (name == "tiled") *kernel = session::PrefillKernel::kTiled;
    else if (name == "coopmat") *kernel = session::PrefillKernel::kCoopmat;
    else return false;
    return true;
}

std::vector<std::string> split(const std::string &s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

int usage(const char *why) {
    std::fprintf(stderr,
                 "moevk-bench: %s\nusage: moevk-bench --model M.gguf [--prompt 64] [--decode 16] "
                 "[--budgets 100,50,25,10] [--modes warm,cold] [--io-threads N] [--n-ctx 1024] "
                 "[--doc docs/PERFORMANCE.md | --no-doc] [--snapshot N [--snapshot-kv f16]] [--profile] [--no-replay] [--no-warmup]\n"
                 "       [--attention per-head|split] [--moe-pair-tile N] [--prefill-kernel matvec|tiled|coopmat[,...]] "
                 "[--prefill-min-tokens N] [--prefill-min-rows N] [--prefill-batch N]\n",
                 why);
    return 2;
}

bool parse(int argc, char **argv, Args *a) {
    for (int i = 0; i < argc; ++i) a->command += (i ? " " : "") + std::string(argv[i]);
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--no-doc") {
            a->doc.clear();
            continue;
        }
        if (flag == "--profile") {
            a->base.profile = true;
            continue;
        }
        if (flag == "--no-warmup") {
            a->base.warmup = false;
            continue;
        }
        if (flag == "--no-replay") {
            a->base.replay_decode = false;
            continue;
        }
        if (i + 1 >= argc) return false;
        const std::string v = argv[++i];
        if (flag == "--model") a->base.model_path = v;
        else if (flag == "--prompt") a->base.n_prompt = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--decode") a->base.n_decode = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--n-ctx") a->base.n_ctx = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--io-threads") a->base.io_threads = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--doc") a->doc = v;
        else if (flag == "--modes") a->modes = split(v);
        else if (flag == "--snapshot") a->snapshot_tokens = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--snapshot-kv") a->snapshot_kv = v;
        else if (flag == "--moe-pair-tile") a->base.tuning.moe_pair_tile = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--prefill-min-tokens") a->base.tuning.prefill_min_tokens = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--prefill-min-rows") a->base.tuning.prefill_min_rows = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--prefill-batch") a->base.tuning.prefill_batch = (uint32_t)std::atoi(v.c_str());
        else if (flag == "--prefill-kernel") a->prefill_kernels = split(v);
        else if (flag == "--attention" && (v == "per-head" || v == "split"))
            a->base.tuning.attention_kernel = v == "split" ? session::AttentionKernel::kSplit : session::AttentionKernel::kPerHead;
        else if (flag == "--budgets") {
            a->budgets.clear();
            for (const std::string &b : split(v)) a->budgets.push_back(std::atoi(b.c_str()));
        } else return false;
    }
    for (int32_t b : a->budgets)
        if (b < 1 || b > 100) return false;
    for (const std::string &m : a->modes)
        if (m != "warm" && m != "cold") return false;
    session::PrefillKernel unused;
    for (const std::string &k : a->prefill_kernels)
        if (!parse_prefill_kernel(k, &unused)) return false;
    return !a->base.model_path.empty() && a->base.n_prompt > 0 && a->base.n_prompt + a->base.n_decode <= a->base.n_ctx;
}

std::string first_line_with(const char *file, const char *key) {
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(key, 0) == 0) {
            const size_t colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(line.find_first_not_of(" \t", colon + 1));
        }
    return "?";
}

std::string machine_description() {
    utsname u{};
    uname(&u);
    return first_line_with("/proc/cpuinfo", "model name") + " (" + std::to_string(std::thread::hardware_concurrency()) +
           " threads), RAM " + first_line_with("/proc/meminfo", "MemTotal") + ", Linux " + u.release;
}

std::string model_description(const std::string &path, const model::Model &m, const experts::ExpertLayout &l) {
    const model::HParams &hp = m.hp;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "`%s` (%s): %u layers, %u experts (%u used) of %.2f MiB, all experts %.2f GiB, file %.2f GiB, "
                  "expert type %s",
                  path.c_str(), hp.model_name.c_str(), hp.n_layer, hp.n_expert, hp.n_expert_used,
                  l.slot_shape().expert_bytes() / 1048576.0, l.total_bytes() / 1073741824.0,
                  m.file->file_size() / 1073741824.0, model::type_name((uint32_t)l.slot_shape().gate_up_type).c_str());
    return buf;
}

std::string now_utc() {
    std::time_t t = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
    return buf;
}

}  // namespace

int main(int argc, char **argv) {
    Args args;
    if (!parse(argc, argv, &args)) return usage("bad or missing arguments");
    auto model = model::load_model(args.base.model_path);
    if (!model.is_ok()) return usage(model.status().message().c_str());
    auto layout = experts::ExpertLayout::of(*model.value());
    if (!layout.is_ok()) return usage(layout.status().message().c_str());

    bench::Report report;
    report.machine = machine_description();
    report.model = model_description(args.base.model_path, *model.value(), layout.value());
    report.command = args.command;
    report.date = now_utc();
    report.notes.push_back("prompt " + std::to_string(args.base.n_prompt) + " tokens in one call, then " +
                           std::to_string(args.base.n_decode) + " decode steps; n_ctx " + std::to_string(args.base.n_ctx));
    model.value().reset();

    // O_DIRECT needs a file system that supports it (tmpfs does not): cold rows then only drop the page cache
    auto direct = experts::ExpertFile::open(args.base.model_path, true);
    const bool direct_ok = direct.is_ok();
    if (!direct_ok)
        report.notes.push_back("O_DIRECT unavailable (" + direct.status().message() +
                               "): cold rows only drop the file's pages (posix_fadvise DONTNEED) before the run");

    for (const std::string &mode : args.modes) {
        if (mode == "warm") bench::warm_page_cache(args.base.model_path);
        const std::vector<std::string> kernels =
            args.prefill_kernels.empty() ? std::vector<std::string>{""} : args.prefill_kernels;
        for (int32_t budget : args.budgets) for (const std::string &kernel : kernels) {
            bench::Row row;
            row.config = args.base;
            row.config.budget_percent = budget;
            row.config.cold = mode == "cold";
            row.config.direct_io = direct_ok;
            row.mode = mode == "warm" ? "warm" : (direct_ok ? "cold (O_DIRECT)" : "cold (fadvise)");
            if (!kernel.empty()) {
                parse_prefill_kernel(kernel, &row.config.tuning.prefill_kernel);
                if (kernels.size() > 1) row.mode += " " + kernel;  // the table's rows tell the kernels apart
            }
            auto r = bench::run_once(row.config);
            if (!r.is_ok()) {
                std::fprintf(stderr, "moevk-bench: %s at %d%%: %s\n", mode.c_str(), budget, r.status().message().c_str());
                return 1;
            }
            row.result = std::move(r).value();
            report.device = row.result.device_name;
            std::fprintf(stderr, "%s %d%%: pp %.1f tok/s, tg %.2f tok/s, tg hit %.1f%%\n", row.mode.c_str(), budget,
                         row.result.prefill.tokens_per_second(), row.result.decode.tokens_per_second(),
                         100 * row.result.decode.hit_rate());
            if (args.base.profile && report.profile.empty()) {
                report.profile = bench::markdown_profile(row);
                std::fprintf(stderr, "%s", report.profile.c_str());
            }
            report.rows.push_back(std::move(row));
        }
    }
    if (args.snapshot_tokens > 0) {
        auto snap = bench::run_snapshot(args.base.model_path, args.snapshot_tokens, args.snapshot_kv, 0);
        if (!snap.is_ok()) {
            std::fprintf(stderr, "moevk-bench: snapshot: %s\n", snap.status().message().c_str());
            return 1;
        }
        report.notes.push_back(bench::describe(snap.value()));
        std::fprintf(stderr, "%s\n", report.notes.back().c_str());
    }
    std::printf("%s", bench::markdown_section(report).c_str());
    if (!args.doc.empty() && !bench::update_performance_doc(args.doc, report)) {
        std::fprintf(stderr, "moevk-bench: cannot write %s\n", args.doc.c_str());
        return 1;
    }
    return 0;
}
