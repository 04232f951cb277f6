// device_fault_test.cpp — the device failing half-way through a load (injected after a layer's write_kv):
// the layers already written are put back and the session continues exactly as before; when putting them
// back fails too, the session is emptied and says so instead of claiming a state whose K/V is unknown.
#include "api/ctx.h"
#include "state/state_fixture.h"

namespace moevk::test {
namespace {

constexpr int32_t kPrompt[] = {7, 301, 44, 90, 12, 500, 3, 77, 260, 15};

class DeviceFault : public StateTest {
protected:
    void SetUp() override {
        MOEVK_OPEN_KV(a_, test_model(), "f16");
        MOEVK_OPEN_KV(twin_, test_model(), "f16");
        MOEVK_OPEN_KV(src_, test_model(), "f16");
        ASSERT_EQ(moevk_eval_prompt(a_, kPrompt, 6, 0, nullptr), MOEVK_OK);
        ASSERT_EQ(moevk_eval_prompt(twin_, kPrompt, 6, 0, nullptr), MOEVK_OK);
        // A different, longer session, so a half-applied load would show in the continuation.
        ASSERT_EQ(moevk_eval_prompt(src_, kPrompt + 1, 9, 0, nullptr), MOEVK_OK);
        snap_ = save_bytes(src_);
    }
    CtxHolder a_, twin_, src_;
    std::vector<uint8_t> snap_;
};

TEST_F(DeviceFault, FailureAfterTheFirstLayerIsUndone) {
    a_.ctx->session->kv_write_fault_for_testing = [](uint32_t layer, bool restoring) {
        return layer == 1 && !restoring ? device_error("injected device fault") : Status::ok();
    };
    EXPECT_EQ(moevk_state_load(a_, snap_.data(), snap_.size()), MOEVK_E_DEVICE);
    EXPECT_NE(std::string(moevk_last_error(a_)).find("unchanged"), std::string::npos) << moevk_last_error(a_);
    a_.ctx->session->kv_write_fault_for_testing = nullptr;
    expect_same_continuation(a_, twin_, 21);
}

TEST_F(DeviceFault, FailedUndoEmptiesTheSession) {
    a_.ctx->session->kv_write_fault_for_testing = [](uint32_t layer, bool) {
        return layer == 1 ? device_error("injected device fault") : Status::ok();
    };
    EXPECT_EQ(moevk_state_load(a_, snap_.data(), snap_.size()), MOEVK_E_DEVICE);
    EXPECT_NE(std::string(moevk_last_error(a_)).find("cleared"), std::string::npos) << moevk_last_error(a_);
    a_.ctx->session->kv_write_fault_for_testing = nullptr;
    EXPECT_EQ(moevk_memory_seq_pos_max(a_, 0), -1);
    // The emptied session works: loading the snapshot now succeeds and continues like its source.
    ASSERT_EQ(moevk_state_load(a_, snap_.data(), snap_.size()), MOEVK_OK) << moevk_last_error(a_);
    expect_same_continuation(a_, src_, 21);
}

}  // namespace
}  // namespace moevk::test
