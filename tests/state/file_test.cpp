// file_test.cpp — moevk_state_save_file / load_file: round trip, I/O errors, and atomicity: when a save
// fails part-way (here: the file size limit makes write() fail) the previous file is intact and no
// temporary file is left behind.
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "state/state_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {7, 301, 44, 90, 12, 500, 3, 77};

std::string make_temp_dir() {
    char tmpl[] = "/tmp/moevk-state-test-XXXXXX";
    const char *d = mkdtemp(tmpl);
    return d ? d : "";
}

std::vector<std::string> list_dir(const std::string &dir) {
    std::vector<std::string> names;
    if (DIR *d = opendir(dir.c_str())) {
        while (dirent *e = readdir(d))
            if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
        closedir(d);
    }
    return names;
}

void remove_dir(const std::string &dir) {
    for (const std::string &n : list_dir(dir)) unlink((dir + "/" + n).c_str());
    rmdir(dir.c_str());
}

class StateFile : public StateTest {
protected:
    void SetUp() override { dir_ = make_temp_dir(); ASSERT_FALSE(dir_.empty()); }
    void TearDown() override { remove_dir(dir_); }
    std::string dir_;
};

TEST_F(StateFile, SaveThenLoadContinuesLikeTheOriginal) {
    CtxHolder a, b;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    MOEVK_OPEN_KV(b, test_model(), "f16");
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 8, 0, nullptr), MOEVK_OK);
    const std::string path = dir_ + "/session.mvks";
    ASSERT_EQ(moevk_state_save_file(a, path.c_str()), MOEVK_OK) << moevk_last_error(a);
    EXPECT_EQ(list_dir(dir_), std::vector<std::string>{"session.mvks"});  // no temporary left
    EXPECT_EQ(read_bytes(path), save_bytes(a));
    ASSERT_EQ(moevk_state_load_file(b, path.c_str()), MOEVK_OK) << moevk_last_error(b);
    expect_same_continuation(b, a, 9);
    // Overwriting an existing file works the same way.
    ASSERT_EQ(moevk_state_save_file(a, path.c_str()), MOEVK_OK) << moevk_last_error(a);
    EXPECT_EQ(read_bytes(path), save_bytes(a));
}

TEST_F(StateFile, IoErrorsNameThePath) {
    CtxHolder a;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    const std::string missing = dir_ + "/no-such-dir/session.mvks";
    EXPECT_EQ(moevk_state_save_file(a, missing.c_str()), MOEVK_E_IO);
    EXPECT_NE(std::string(moevk_last_error(a)).find("no-such-dir"), std::string::npos) << moevk_last_error(a);
    EXPECT_EQ(moevk_state_load_file(a, missing.c_str()), MOEVK_E_IO);
    EXPECT_EQ(moevk_state_load_file(a, dir_.c_str()), MOEVK_E_IO);  // a directory
    EXPECT_EQ(moevk_state_save_file(a, dir_.c_str()), MOEVK_E_IO);  // rename over a directory fails
    EXPECT_EQ(list_dir(dir_), std::vector<std::string>{});
    EXPECT_EQ(moevk_state_save_file(a, nullptr), MOEVK_E_INVALID_ARG);
    EXPECT_EQ(moevk_state_load_file(a, nullptr), MOEVK_E_INVALID_ARG);
    const std::string empty = dir_ + "/empty";
    fclose(fopen(empty.c_str(), "wb"));
    EXPECT_EQ(moevk_state_load_file(a, empty.c_str()), MOEVK_E_NOT_A_SNAPSHOT);
}

TEST_F(StateFile, AFailedWriteLeavesThePreviousFileIntact) {
    CtxHolder a;
    MOEVK_OPEN_KV(a, test_model(), "f16");
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt, 2, 0, nullptr), MOEVK_OK);
    const std::string path = dir_ + "/session.mvks";
    ASSERT_EQ(moevk_state_save_file(a, path.c_str()), MOEVK_OK) << moevk_last_error(a);
    const std::vector<uint8_t> previous = read_bytes(path);
    ASSERT_EQ(moevk_eval_prompt(a, kPrompt + 2, 6, 2, nullptr), MOEVK_OK);

    // A file size limit below the new snapshot's size makes write() fail with EFBIG half-way (as root too).
    struct sigaction ignore = {}, old_action = {};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &old_action), 0);
    struct rlimit old_limit;
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    struct rlimit small = old_limit;
    small.rlim_cur = 100;
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
    const moevk_status s = moevk_state_save_file(a, path.c_str());
    const std::string message = moevk_last_error(a);
    setrlimit(RLIMIT_FSIZE, &old_limit);
    sigaction(SIGXFSZ, &old_action, nullptr);

    EXPECT_EQ(s, MOEVK_E_IO) << message;
    EXPECT_EQ(read_bytes(path), previous);
    EXPECT_EQ(list_dir(dir_), std::vector<std::string>{"session.mvks"});
}

}  // namespace
}  // namespace moevk::test
