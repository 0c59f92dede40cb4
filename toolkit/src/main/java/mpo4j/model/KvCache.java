package mpo4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Keys and values of the positions decoded so far, per layer, for incremental decoding. They live in
 * the cache's own manager so each decoding step's scope can close behind it.
 */
public final class KvCache {
    private final NDArray[] keys;
    private final NDArray[] values;
    private final NDManager manager;
    private long length;

    /** An empty cache for a model with {@code layers} decoder layers, holding its arrays in {@code manager}. */
    public KvCache(int layers, NDManager manager) {
        keys = new NDArray[layers];
        values = new NDArray[layers];
        this.manager = manager;
    }

    /** Positions cached so far (the same for every row: left padding is part of it). */
    public long length() { return length; }

    NDArray appendKeys(int layer, NDArray k) { return keys[layer] = append(keys[layer], k); }

    NDArray appendValues(int layer, NDArray v) { return values[layer] = append(values[layer], v); }

    void advance(long tokens) { length += tokens; }

    private NDArray append(NDArray past, NDArray now) {
        // head-major [kvHeads·N, L, d]: positions are axis 1
        NDArray all = past == null ? now.duplicate() : past.concat(now, 1);
        all.attach(manager);
        if (past != null) {
            past.close();
        }
        return all;
    }
}
