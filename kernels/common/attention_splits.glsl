// attention_splits.glsl — how a token's keys [0, n_keys) are split over attention workgroups. The plan
// depends only on n_keys and two fixed parameters (key tile, maximum splits), never on the batch, so a
// token's result is the same in every call. Splits are whole key tiles and never empty.

struct AttentionSplits {
    uint count;           // splits of this token (1: the attention kernel writes the output itself)
    uint keys_per_split;  // a multiple of the key tile; the last split may be shorter
};

AttentionSplits attention_splits(uint n_keys, uint key_tile, uint max_splits) {
    const uint tiles = (n_keys + key_tile - 1u) / key_tile;
    const uint wanted = min(max_splits, tiles);
    const uint tiles_per_split = (tiles + wanted - 1u) / wanted;
    return AttentionSplits((tiles + tiles_per_split - 1u) / tiles_per_split, tiles_per_split * key_tile);
}
