package mpo4j.hf;

import java.io.IOException;

/** Called once per tensor by {@link HfModelFolder#forEachTensor}, shard by shard. */
@FunctionalInterface
public interface TensorVisitor {
    /** Looks at one tensor; load it through {@code source} (or skip it) before returning. */
    void visit(TensorInfo info, TensorSource source) throws IOException;
}
