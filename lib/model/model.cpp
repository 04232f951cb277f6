// model.cpp — load_model(): opens the GGUF file and hands it to the loader of its general.architecture.
// Unknown architectures are kUnsupported; the loaders themselves live in one file each.
#include "model/model.h"

#include "model/arch_loaders.h"

namespace moevk::model {

StatusOr<std::unique_ptr<Model>> load_model(const std::string &path) {
    MOEVK_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> file, GgufFile::open(path));
    return load_model(std::move(file));
}

StatusOr<std::unique_ptr<Model>> load_model(std::unique_ptr<GgufFile> file) {
    if (!file) return invalid_arg("load_model: file is null");
    const std::string prefix = file->path() + ": ";
    auto arch = file->get_string("general.architecture");
    if (!arch.is_ok()) return arch.status().with_prefix(prefix);
    if (!arch.value()) return bad_format(prefix + "missing required metadata key 'general.architecture'");
    const std::string arch_name = *arch.value();

    StatusOr<std::unique_ptr<Model>> model =
        arch_name == "qwen3moe"    ? load_qwen3moe(std::move(file))
        : arch_name == "qwen3next" ? load_qwen3next(std::move(file))
        : arch_name == "qwen35moe" ? load_qwen35moe(std::move(file))
                                   : StatusOr<std::unique_ptr<Model>>(unsupported(
                                         "architecture '" + arch_name + "' (general.architecture) is not "
                                         "supported; supported: qwen3moe, qwen3next, qwen35moe"));
    if (!model.is_ok()) return model.status().with_prefix(prefix);
    return model;
}

}  // namespace moevk::model
